/**
 * `preprocess`: an image to the float32 NCHW tensor a checkpoint's evaluation transform makes of it.
 *   preprocess --image FILE (--pretrained TAG | --size 224 [--crop-pct 0.875] [--interpolation bilinear|bicubic]
 *              [--crop-mode center|squash|border] [--mean a,b,c] [--std a,b,c]) --out x.bin
 * With --pretrained, the catalogue entry's preprocessing; the other flags override single fields.
 * The same flags choose `predict`'s preprocessing. Also `pretrained`, the catalogue as a table.
 */
import { formatBytes } from '../model/memory.ts';
import {
  CROP_MODES,
  cropNote,
  DEFAULT_PREPROCESS,
  describePreprocess,
  preprocessImage,
  validatePreprocess,
  type CropMode,
  type PreprocessConfig,
} from '../model/preprocess.ts';
import { INTERPOLATIONS, type Interpolation } from '../model/image/resample.ts';
import { ORIENTATION_MODES, type OrientationMode } from '../model/image/orientation.ts';
import { evalPreprocess, loadCatalogue, pretrainedMemory, type PretrainedEntry } from '../model/pretrained.ts';
import { flagString, PREPROCESSING_FLAGS, UsageError, type ParsedArgs } from './args.ts';
import { encodeF32LE } from './f32.ts';
import { checkInput } from '../model/engine/finite.ts';
import { aboutImage, checkOutput, imageLabel, readImage, writeOutputFile } from './files.ts';

/** The catalogue (the CLI reads it whole: `pretrained` lists it, `--pretrained TAG` looks a tag up). */
const catalogue = await loadCatalogue();


function parseTriple(name: string, text: string): [number, number, number] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => p === '' || !Number.isFinite(Number(p)))) {
    throw new UsageError(`--${name} must be three numbers a,b,c (R, G, B), e.g. 0.485,0.456,0.406; got "${text}"`);
  }
  return parts.map(Number) as [number, number, number];
}

function pretrainedFromArgs(args: ParsedArgs): PretrainedEntry | null {
  const tag = flagString(args, 'pretrained');
  if (tag === undefined) return null;
  try {
    return catalogue.require(tag);
  } catch (e) {
    throw new UsageError(`--pretrained: ${(e as Error).message}`);
  }
}

/**
 * The preprocessing the flags describe: the entry's (--pretrained; at its test size where its config has one,
 * as timm measured its accuracy), else --size and the rest with
 * timm's defaults (crop_pct 0.875, bilinear, center, ImageNet mean and std); `fallback` when neither
 * is given (null: the flags are required).
 */
export function preprocessFromArgs(
  args: ParsedArgs,
  fallback: PreprocessConfig | null,
): { config: PreprocessConfig; entry: PretrainedEntry | null; given: boolean; overrides: string[]; orientation: OrientationMode } {
  const entry = pretrainedFromArgs(args);
  const size = flagString(args, 'size');
  const overrides = PREPROCESSING_FLAGS.flags.map((f) => f.name).filter((f) => f !== 'pretrained' && args.flags.has(f));
  const orientation = flagString(args, 'exif-orientation') ?? 'ignore';
  if (!(ORIENTATION_MODES as readonly string[]).includes(orientation)) {
    throw new UsageError(`--exif-orientation must be ignore (read as stored, as Pillow and PyTorch) or apply (turned upright), got "${orientation.slice(0, 40)}"`);
  }
  const mode = orientation as OrientationMode;
  const fields = overrides.filter((f) => f !== 'exif-orientation');
  if (!entry && size === undefined) {
    if (fields.length > 0) throw new UsageError(`--${fields[0]} needs --size N (the crop side), or --pretrained TAG to start from`);
    if (!fallback) throw new UsageError('give --pretrained TAG (a catalogue entry), or --size N [--crop-pct 0.875 --interpolation bilinear|bicubic --mean a,b,c --std a,b,c]');
    return { config: fallback, entry: null, given: false, overrides, orientation: mode };
  }
  const base = entry ? evalPreprocess(entry) : DEFAULT_PREPROCESS;
  const num = (name: string, text: string): number => {
    if (!/^\s*[0-9]*\.?[0-9]+(e-?[0-9]+)?\s*$/i.test(text)) throw new UsageError(`--${name} must be a number, got "${text}"`);
    return Number(text);
  };
  const interpolation = flagString(args, 'interpolation');
  if (interpolation !== undefined && !INTERPOLATIONS.includes(interpolation as Interpolation)) {
    throw new UsageError(`--interpolation must be ${INTERPOLATIONS.join(' or ')}, got "${interpolation}"`);
  }
  const cropMode = flagString(args, 'crop-mode');
  if (cropMode !== undefined && !CROP_MODES.includes(cropMode as CropMode)) throw new UsageError(`--crop-mode must be ${CROP_MODES.join(', ')}, got "${cropMode}"`);
  const cropPct = flagString(args, 'crop-pct');
  const mean = flagString(args, 'mean');
  const std = flagString(args, 'std');
  const config: PreprocessConfig = {
    inputSize: size !== undefined ? num('size', size) : base.inputSize,
    cropPct: cropPct !== undefined ? num('crop-pct', cropPct) : base.cropPct,
    interpolation: (interpolation as Interpolation | undefined) ?? base.interpolation,
    cropMode: (cropMode as CropMode | undefined) ?? base.cropMode,
    mean: mean !== undefined ? parseTriple('mean', mean) : base.mean,
    std: std !== undefined ? parseTriple('std', std) : base.std,
  };
  try {
    validatePreprocess(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { config, entry, given: true, overrides, orientation: mode };
}

export function runPreprocess(args: ParsedArgs): string {
  if (args.positional.length > 0) throw new UsageError(`preprocess takes no positional arguments, got ${args.positional.join(' ')}`);
  const image = flagString(args, 'image');
  const out = flagString(args, 'out');
  if (!image) throw new UsageError('preprocess needs --image FILE (PNG, JPEG, BMP, GIF or WebP)');
  if (!out) throw new UsageError('preprocess needs --out FILE.bin for the float32 NCHW tensor');
  const { config, entry, overrides, orientation } = preprocessFromArgs(args, null);
  const inputs = [['--image', image]] as const;
  checkOutput(out, inputs);
  const rgb = readImage(image, orientation);
  const { tensor } = aboutImage(image, () => preprocessImage(rgb, config));
  checkInput(tensor, 'the preprocessed tensor');
  writeOutputFile(out, encodeF32LE(tensor), 'the tensor', inputs);
  const s = config.inputSize;
  const fields = overrides.filter((f) => f !== 'exif-orientation');
  const from = entry ? ` (${entry.tag}'s ${entry.testPreprocess ? 'test-size ' : ''}preprocessing${fields.length ? `, ${fields.map((f) => `--${f}`).join(' ')} overridden` : ''})` : '';
  return `${imageLabel(image, rgb)} -> ${describePreprocess(config)}${from}\nwrote [1, 3, ${s}, ${s}] float32 NCHW to ${out}\n`;
}

/** `pretrained [--json]`: the catalogue, one line per tag (top-1 / top-5, preprocessing, licence, size), then the tags without weights. */
export function runPretrained(args: ParsedArgs): string {
  if (args.positional.length > 0) throw new UsageError(`pretrained takes no positional arguments, got ${args.positional.join(' ')}`);
  if (args.flags.has('json')) {
    const entries = catalogue.entries.map((e) => ({ ...e, fileBytes: pretrainedMemory(e)?.fileBytes ?? null }));
    return JSON.stringify({ entries, withoutWeights: catalogue.withoutWeights }, null, 2) + '\n';
  }
  const rows = catalogue.entries.map((e) => {
    const need = pretrainedMemory(e);
    const test = e.testPreprocess ? `; test ${cropNote(e.testPreprocess)}` : '';
    return [
      e.tag,
      e.architecture,
      e.accuracy ? `${e.accuracy.top1} / ${e.accuracy.top5}` : '-',
      `${cropNote(e.preprocess)}${test}`,
      e.license.commercial ? e.license.name : `${e.license.name}, non-commercial use only`,
      e.classes.id === 'imagenet-1k' ? '1000' : `${e.classes.count} (${e.classes.name})`,
      need ? formatBytes(need.fileBytes) : e.classes.count === 0 ? 'no classifier' : 'architecture not in this build',
    ];
  });
  const head = ['tag', 'architecture', 'top-1 / top-5 %', 'preprocessing', 'licence', 'classes', 'size'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const bare = catalogue.withoutWeights.map((w) => w.tag).join(', ');
  return [
    line(head), ...rows.map(line), '',
    `${catalogue.entries.length} tags with weights. top-1 / top-5: ImageNet-1k val, from timm's results-imagenet.csv (timm tags; "-" where it has no row) ` +
    'or torchvision\'s weights metadata (tv tags). "test": the test input size and crop_pct that predict uses (timm\'s use_test_size).',
    `${catalogue.withoutWeights.length} tags without weights (architectures only): ${bare}`, '',
  ].join('\n');
}
