/**
 * The CLI's files and images: an --out that is an input (same path, hard link, symlink) is refused and
 * the input left intact, for every command that writes; FIFOs and devices are refused before they are
 * opened (run in a child process with a time limit: opening a FIFO blocks the whole process); hostile
 * images end in one line in bounded time; the EXIF orientation is ignored by default and the output
 * says so; `preprocess` refuses non-finite tensors; `code` keeps the size budget.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, ftruncateSync, linkSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, readF32 } from '../../test/support/fixture-io.ts';
import { run } from './main.ts';

const runCam = (argv: string[]) => run(['cam', ...argv]);
const runFeatures = (argv: string[]) => run(['features', ...argv]);
const runPredict = (argv: string[]) => run(['predict', ...argv]);
const runPreprocess = (argv: string[]) => run(['preprocess', ...argv]);
const codeCommand = (argv: string[]) => run(['code', ...argv]);

const tmp = mkdtempSync(join(tmpdir(), 'files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const W = 'fixtures/weights';
const EXIF = 'fixtures/images/exif';
const HOSTILE = 'fixtures/images/hostile';

/** A copy of a fixture in the temporary folder, and its bytes to compare with afterwards. */
function copy(from: string, name: string): { path: string; bytes: Buffer } {
  const path = join(tmp, name);
  copyFileSync(from, path);
  return { path, bytes: readFileSync(path) };
}

/** The CLI as a child process with a time limit (a blocking open or an 88-second resize would otherwise hang the test). */
function cli(args: string[], timeout = 30_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const mkfifo = (path: string): boolean => spawnSync('mkfifo', [path]).status === 0;

describe('--out is never one of the inputs (same device and inode)', () => {
  it('preprocess: the image by the same path, a hard link or a symlink is refused and left intact', async () => {
    const photo = copy('fixtures/images/test.png', 'photo.png');
    const hard = join(tmp, 'photo-hard.png');
    const soft = join(tmp, 'photo-soft.png');
    linkSync(photo.path, hard);
    symlinkSync(photo.path, soft);
    for (const out of [photo.path, hard, soft, `${tmp}/./photo.png`]) {
      await expect(runPreprocess(['--image', photo.path, '--size', '224', '--out', out])).rejects.toThrow(/--out .* is the same file as --image .*photo\.png: writing it would destroy that input; give another --out path/);
    }
    expect(readFileSync(photo.path).equals(photo.bytes)).toBe(true);
  });

  it('predict: the weights or the input tensor, never overwritten', async () => {
    const weights = copy(`${W}/tiny_resnext.safetensors`, 'w.safetensors');
    const input = copy(`${W}/tiny_resnext.input.bin`, 'x.bin');
    const args = ['--weights', weights.path, '--input', input.path, '--shape', '2,3,64,64'];
    await expect(runPredict([...args, '--out', weights.path])).rejects.toThrow(/is the same file as --weights/);
    await expect(runPredict([...args, '--out', input.path])).rejects.toThrow(/is the same file as --input/);
    const photo = copy('fixtures/images/test.png', 'p.png');
    await expect(runPredict(['--weights', weights.path, '--image', photo.path, '--out', photo.path])).rejects.toThrow(/is the same file as --image/);
    expect(readFileSync(weights.path).equals(weights.bytes)).toBe(true);
    expect(readFileSync(input.path).equals(input.bytes)).toBe(true);
    expect(readFileSync(photo.path).equals(photo.bytes)).toBe(true);
  });

  it('features and cam: the weights or the image, never overwritten', async () => {
    const weights = copy(`${W}/tiny_resnext.safetensors`, 'fw.safetensors');
    const photo = copy('fixtures/images/test.png', 'fp.png');
    await expect(runFeatures(['--weights', weights.path, '--image', photo.path, '--layer', 'layer1', '--out', weights.path])).rejects.toThrow(/is the same file as --weights/);
    await expect(runCam(['--weights', weights.path, '--image', photo.path, '--out', photo.path])).rejects.toThrow(/is the same file as --image/);
    expect(readFileSync(weights.path).equals(weights.bytes)).toBe(true);
    expect(readFileSync(photo.path).equals(photo.bytes)).toBe(true);
  });

  it('an existing --out that is another regular file is overwritten as before', async () => {
    const out = join(tmp, 'old.bin');
    writeFileSync(out, Buffer.alloc(10_000_000, 7));
    await runPreprocess(['--image', 'fixtures/images/test.png', '--size', '224', '--out', out]);
    expect(readFileSync(out).length).toBe(3 * 224 * 224 * 4);
  });

  it('a device as --out is refused (not written)', async () => {
    await expect(runPreprocess(['--image', 'fixtures/images/test.png', '--size', '224', '--out', '/dev/null'])).rejects.toThrow(/cannot write to --out \/dev\/null: it is not a regular file but a character device/);
  });
});

describe('FIFOs are refused before they are opened (opening one blocks until a writer or reader comes)', () => {
  const fifo = join(tmp, 'pipe');
  const made = mkfifo(fifo);

  it.runIf(made)('--image, --weights, --input: one line, exit status 2, at once', () => {
    for (const args of [
      ['preprocess', '--image', fifo, '--size', '224', '--out', join(tmp, 'f1.bin')],
      ['predict', '--weights', fifo, '--input', `${W}/tiny_resnext.input.bin`, '--shape', '2,3,64,64', '--out', join(tmp, 'f2.bin')],
      ['predict', '--weights', `${W}/tiny_resnext.safetensors`, '--input', fifo, '--shape', '2,3,64,64', '--out', join(tmp, 'f3.bin')],
    ]) {
      const r = cli(args, 20_000);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error: cannot read (image|weights|input) .*pipe: it is not a regular file but a FIFO \(named pipe\)/);
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
  }, 90_000);

  it.runIf(made)('--out: refused before anything is written or waited for', () => {
    const r = cli(['preprocess', '--image', 'fixtures/images/test.png', '--size', '224', '--out', fifo], 20_000);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(`error: cannot write to --out ${fifo}: it is not a regular file but a FIFO (named pipe); give a file path\n`);
  }, 30_000);
});

describe('hostile images and flags through the command line: one line, in bounded time', () => {
  it('a 119-byte 1x20000 PNG: the resize to 256x5,120,000 is refused with the sizes (88 s and 4 GB before)', () => {
    const t0 = performance.now();
    const r = cli(['preprocess', '--image', `${HOSTILE}/tall_1x20000.png`, '--size', '224', '--out', join(tmp, 'tall.bin')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe(`error: ${HOSTILE}/tall_1x20000.png: resizing the 1x20000 image to 256x5120000 needs a buffer of 1310.7 megapixels, more than the 50 allowed: crop the image to a less elongated shape first\n`);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(existsSync(join(tmp, 'tall.bin'))).toBe(false);
  }, 40_000);

  it.each([
    [['--crop-pct', '1e-9'], /crop_pct 1e-9 resizes the image to 224000000000 pixels a side before the 224 crop; at most 7071 \(crop_pct above 0\.0317\)/],
    [['--crop-pct', '0.00001'], /resizes the image to 22400000 pixels a side/],
    [['--std', '1e-320,1,1'], /mean 0\.485, 0\.456, 0\.406 and std 1e-320, 1, 1 take pixel value 0 to -Infinity in float32 \(channel 0\), not a finite number/],
    [['--std', '1e-40,1e-40,1e-40'], /not a finite number/],
    [['--exif-orientation', 'rotate'], /--exif-orientation must be ignore \(read as stored, as Pillow and PyTorch\) or apply \(turned upright\), got "rotate"/],
  ])('preprocess %j: one clear line, nothing written', async (flags, message) => {
    const out = join(tmp, `bad-${flags.join('')}.bin`);
    await expect(runPreprocess(['--image', 'fixtures/images/test.png', '--size', '224', ...flags, '--out', out])).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it('--exif-orientation with --input is refused: it applies to --image only', async () => {
    await expect(runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--input', `${W}/tiny_resnext.input.bin`, '--shape', '2,3,64,64', '--out', join(tmp, 'o.bin'), '--exif-orientation', 'apply']))
      .rejects.toThrow(/--input is a preprocessed tensor already: --exif-orientation applies to --image only/);
  });

  it('the formats the command line reads are named: a BMP is read, a non-image refused', async () => {
    await runPreprocess(['--image', `${HOSTILE}/bmp_os2_3x2.bmp`, '--size', '224', '--out', join(tmp, 'b.bin')]);
    expect(statSync(join(tmp, 'b.bin')).size).toBe(3 * 224 * 224 * 4);
    await expect(runPreprocess(['--image', 'fixtures/images/not-an-image.jpg', '--size', '224', '--out', join(tmp, 'n.bin')])).rejects.toThrow(/not an image this app reads \(PNG, JPEG, GIF, WebP or BMP expected\)/);
    expect(cli(['help']).stdout).toMatch(/--image reads PNG, JPEG, BMP, GIF \(its first frame\) and WebP, with the pixels Pillow gives/);
  });
});

describe('EXIF orientation in the command line: ignored as Pillow ignores it, applied when asked, said either way', () => {
  const index = JSON.parse(readFileSync(`${EXIF}/index.json`, 'utf8')) as { photos: { file: string; ignore: { tensor: string }; apply: { tensor: string } }[] };
  const png = index.photos.find((p) => p.file.endsWith('.png'))!;

  it.each(['ignore', 'apply'] as const)('preprocess photo_o6.png --exif-orientation %s: torchvision\'s tensor exactly, and a note', async (mode) => {
    const out = join(tmp, `exif-${mode}.bin`);
    const flags = mode === 'apply' ? ['--exif-orientation', 'apply'] : [];
    const text = await runPreprocess(['--image', `${EXIF}/${png.file}`, '--size', '32', '--crop-pct', '0.875', ...flags, '--out', out]);
    expect(maxAbsDiff(readF32(out), readF32(`${EXIF}/${png[mode].tensor}`))).toBe(0);
    expect(text.split('\n')[0]).toBe(mode === 'ignore'
      ? `${EXIF}/photo_o6.png (60x80; EXIF orientation 6 (rotate 90° clockwise) not applied: read as stored, as Pillow and PyTorch read it; --exif-orientation apply turns it) -> bilinear resize of the shorter side to 36, centre crop 32×32, mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225`
      : `${EXIF}/photo_o6.png (80x60; EXIF orientation 6 applied (rotate 90° clockwise), as Pillow's ImageOps.exif_transpose turns it; PyTorch's usual loader does not; without --exif-orientation apply it is read as stored) -> bilinear resize of the shorter side to 36, centre crop 32×32, mean 0.485, 0.456, 0.406, std 0.229, 0.224, 0.225`);
  });

  it('predict names what it did with the orientation on its first line', async () => {
    const text = await runPredict(['--weights', 'fixtures/images/top5/tiny_imagenet.safetensors', '--image', `${EXIF}/photo_o6.jpg`, '--backend', 'cpu']);
    expect(text).toMatch(/^fixtures\/images\/exif\/photo_o6\.jpg \(60x80; EXIF orientation 6 \(rotate 90° clockwise\) not applied: read as stored, as Pillow and PyTorch read it; --exif-orientation apply turns it\) on cpu/);
  }, 60_000);
});

describe('code keeps the size budget of summary', () => {
  it('a network past it is refused with the figure, never a float printed as an exact integer', async () => {
    await expect(codeCommand(['--depths', '3,4,6,3', '--cardinality', '1000000', '--width', '1000000'])).rejects.toThrow(/the network would have ≈2\.763e21 parameters \(over 10,000,000,000\)/);
    await expect(codeCommand(['--depths', '3,4,6,3', '--cardinality', '400', '--width', '64'])).rejects.toThrow(/1,444,264,017,920 multiply-accumulates per image \(over 1,000,000,000,000\)/);
    expect(await codeCommand(['resnext50_32x4d'])).toMatch(/^# ResNeXt-50 \(32x4d\): 25,028,904 parameters/);
  });
});

describe('weights files up to Node\'s largest buffer (4 GiB; regnety_1280, regnet_y_128gf and resnext101_32x48d are 2.6-3.3 GB)', () => {
  it('the limit is 4 GiB, not 2: a file past it is refused by its size, before anything is allocated', async () => {
    const big = join(tmp, 'big.safetensors');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 2 ** 32 + 1); // sparse: no disk space used
    closeSync(fd);
    expect(statSync(big).size).toBe(2 ** 32 + 1);
    await expect(run(['predict', 'resnet18', '--weights', big, '--image', 'fixtures/images/test.png']))
      .rejects.toThrow(`cannot read weights ${big}: it is 4294967297 bytes, more than the 4294967296 this reads`);
    // Reading a file of 2-4 GiB (in chunks of 1 GiB: one read() call takes less than 2 GiB) is too heavy for a unit
    // test; checked by hand on a 3,057,471,340-byte safetensors of a timm RegNet (logits within float32 rounding).
    rmSync(big);
  });
});
