/**
 * The pretrained weights catalogue: `pretrained.json` (the one data file; the fixture script checks it
 * against timm's pretrained configs, timm's results table and torchvision's weights metadata), read and
 * checked here. Each entry carries what its checkpoint needs to be used right: the hub file, the
 * architecture (a preset), the evaluation preprocessing of its pretrained config, the licence, the
 * classes it predicts, and its published top-1 / top-5 with their source. A checkpoint's accuracy lives
 * here only; `presets.ts` keeps the figures of architectures (params, MACs, the paper's errors).
 *
 * The data file is generated (tools/fixtures, `--only catalogue`) and holds every tag of timm's resnet.py and
 * of its RegNetX / RegNetY: hundreds of entries, so it is loaded on demand (`loadCatalogue`, its own chunk in
 * the app's build), never on the first page.
 */
import type { NetworkConfig } from './config.ts';
import { buildLayerGraph } from './graph.ts';
import { memoryNeed, type MemoryNeed } from './memory.ts';
import { validatePreprocess, type CropMode, type PreprocessConfig } from './preprocess.ts';
import { findPreset, presetConfig } from './presets.ts';
import type { Interpolation } from './image/resample.ts';

interface License {
  id: string;
  name: string;
  /** False for non-commercial licences (the WSL weights' CC BY-NC 4.0). */
  commercial: boolean;
}

interface ClassSet {
  id: string;
  name: string;
  count: number;
}

export interface PretrainedEntry {
  /** timm's `model.tag` name, e.g. `resnet50.tv2_in1k`; the id of the entry. */
  tag: string;
  label: string;
  /** Preset name of the network (presets.ts). */
  architecture: string;
  /**
   * The hub file. `revision` pins the repository's commit (null: the `main` branch); `sha256` is the file's
   * hash as the hub's metadata gives it (null where it is not recorded): a download that does not hash to it
   * is refused, so a changed or corrupted upstream file is detected.
   */
  hub: { repo: string; file: string; revision: string | null; sha256: string | null };
  /** Direct download URL on the Hugging Face hub (CORS-enabled). */
  url: string;
  /** torchvision's name of the same weights (`ResNet50_Weights.IMAGENET1K_V2`), for torchvision's checkpoints. */
  torchvisionWeights: string | null;
  /** timm's data config of the tag (`resolve_data_config`: the train-time input size). */
  preprocess: PreprocessConfig;
  /**
   * The same at the config's test input size and test crop_pct (timm's `use_test_size=True`: 288 for
   * `resnet50.a1_in1k`), null where the config has none. Classification uses it (`evalPreprocess`).
   */
  testPreprocess: PreprocessConfig | null;
  /** Where the preprocessing comes from. */
  preprocessSource: string;
  license: License;
  classes: ClassSet;
  /** ImageNet-1k top-1 / top-5 %, null where timm's results table has no row for the tag. */
  accuracy: Accuracy | null;
}

interface Accuracy {
  top1: number;
  top5: number;
  source: string;
  /** The row of timm's results table (image size, crop_pct, interpolation); absent for torchvision's metadata. */
  row?: { size: number; cropPct: number; interpolation: string };
}

/** A tag of timm's registry that has no weights (`resnet200.untrained`): an architecture only. */
interface TagWithoutWeights {
  tag: string;
  architecture: string;
}

/** How the preprocessing is written in the data file (timm's data-config names). */
export interface PreprocessJson {
  input_size: number;
  interpolation: string;
  crop_pct: number;
  crop_mode: string;
  mean: number[];
  std: number[];
}

class CatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogueError';
  }
}

/** timm's data-config keys to a checked PreprocessConfig. */
export function preprocessFromJson(p: PreprocessJson): PreprocessConfig {
  return validatePreprocess({
    inputSize: p.input_size,
    cropPct: p.crop_pct,
    interpolation: p.interpolation as Interpolation,
    cropMode: p.crop_mode as CropMode,
    mean: p.mean as unknown as [number, number, number],
    std: p.std as unknown as [number, number, number],
  });
}

interface EntryJson {
  tag: string;
  label: string;
  architecture: string;
  hub: { repo: string; file: string; revision?: string; sha256?: string };
  torchvision_weights?: string;
  preprocess: PreprocessJson;
  test_preprocess?: { input_size: number; crop_pct: number } | null;
  preprocess_source: string;
  license: string;
  classes: string;
  accuracy: { top1: number; top5: number; source: string; img_size?: number; crop_pct?: number; interpolation?: string } | null;
}

export interface CatalogueJson {
  licenses: Record<string, { name: string; commercial: boolean }>;
  classes: Record<string, { name: string; count: number }>;
  entries: EntryJson[];
  without_weights?: TagWithoutWeights[];
}

/** Reads and checks the catalogue data (exported for the tests of malformed data). */
export function parseCatalogue(doc: CatalogueJson): PretrainedEntry[] {
  const tags = new Set<string>();
  return doc.entries.map((e) => {
    const where = `pretrained.json entry "${e.tag}"`;
    if (tags.has(e.tag)) throw new CatalogueError(`${where} appears twice`);
    tags.add(e.tag);
    const license = doc.licenses[e.license];
    if (!license) throw new CatalogueError(`${where}: unknown licence "${e.license}"`);
    const classes = doc.classes[e.classes];
    if (!classes) throw new CatalogueError(`${where}: unknown class set "${e.classes}"`);
    let preprocess: PreprocessConfig;
    let testPreprocess: PreprocessConfig | null = null;
    try {
      preprocess = preprocessFromJson(e.preprocess);
      if (e.test_preprocess) testPreprocess = preprocessFromJson({ ...e.preprocess, ...e.test_preprocess });
    } catch (err) {
      throw new CatalogueError(`${where}: ${(err as Error).message}`);
    }
    if (e.hub.revision !== undefined && !/^[0-9a-f]{40}$/.test(e.hub.revision)) throw new CatalogueError(`${where}: hub revision "${e.hub.revision}" is not a 40-digit commit hash`);
    if (e.hub.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(e.hub.sha256)) throw new CatalogueError(`${where}: hub sha256 "${e.hub.sha256}" is not 64 hex digits`);
    const a = e.accuracy;
    if (a && !(a.top1 > 0 && a.top1 <= a.top5 && a.top5 <= 100)) throw new CatalogueError(`${where}: top-1 ${a.top1} / top-5 ${a.top5} are not percentages with top-1 <= top-5`);
    const row = a && a.img_size !== undefined ? { size: a.img_size, cropPct: a.crop_pct!, interpolation: a.interpolation! } : undefined;
    return {
      tag: e.tag,
      label: e.label,
      architecture: e.architecture,
      hub: { repo: e.hub.repo, file: e.hub.file, revision: e.hub.revision ?? null, sha256: e.hub.sha256 ?? null },
      url: `https://huggingface.co/${e.hub.repo}/resolve/${e.hub.revision ?? 'main'}/${e.hub.file}`,
      torchvisionWeights: e.torchvision_weights ?? null,
      preprocess,
      testPreprocess,
      preprocessSource: e.preprocess_source,
      license: { id: e.license, ...license },
      classes: { id: e.classes, ...classes },
      accuracy: a ? { top1: a.top1, top5: a.top5, source: a.source, ...(row ? { row } : {}) } : null,
    };
  });
}

/** The catalogue: its checkpoints, and the registry's tags without weights. */
export class Catalogue {
  readonly entries: readonly PretrainedEntry[];
  readonly withoutWeights: readonly TagWithoutWeights[];

  constructor(doc: CatalogueJson) {
    this.entries = parseCatalogue(doc);
    this.withoutWeights = doc.without_weights ?? [];
  }

  /** The entry of a tag (`resnet50.tv2_in1k`) or of torchvision's weights name (`ResNet50_Weights.IMAGENET1K_V2`). */
  find(name: string): PretrainedEntry | undefined {
    return this.entries.find((p) => p.tag === name || p.torchvisionWeights === name);
  }

  require(name: string): PretrainedEntry {
    const entry = this.find(name);
    if (entry) return entry;
    const bare = this.withoutWeights.find((w) => w.tag === name);
    if (bare) throw new CatalogueError(`"${name}" is an architecture without pretrained weights in timm (${bare.architecture}); \`pretrained\` lists the tags with weights`);
    const near = this.entries.filter((p) => p.architecture === name.split('.')[0]).map((p) => p.tag);
    throw new CatalogueError(`no pretrained weights "${name}"; ${near.length ? `${name.split('.')[0]} has ${near.join(', ')}` : `the catalogue has ${this.entries.length} tags (\`pretrained\` lists them), e.g. ${this.entries.slice(0, 3).map((p) => p.tag).join(', ')}`}`);
  }

  /** The entry whose download URL this is. */
  byUrl(url: string): PretrainedEntry | undefined {
    return this.entries.find((p) => p.url === url);
  }

  /** Every checkpoint of an architecture, in catalogue order (torchvision's V1 before V2). */
  checkpointsOf(architecture: string): PretrainedEntry[] {
    return this.entries.filter((p) => p.architecture === architecture);
  }
}

let loading: Promise<Catalogue> | null = null;

/** The catalogue, loaded once on first use (a separate chunk of the app's build). */
export function loadCatalogue(): Promise<Catalogue> {
  loading ??= import('./pretrained.json', { with: { type: 'json' } }).then((m) => new Catalogue(m.default as unknown as CatalogueJson));
  return loading;
}

/** The preprocessing a classification uses: the test size where the config has one, else the config's. */
export function evalPreprocess(entry: PretrainedEntry): PreprocessConfig {
  return entry.testPreprocess ?? entry.preprocess;
}

/** The name of an accuracy's source without its details: "torchvision 0.14 weights metadata", "timm results-imagenet.csv". */
export function accuracySourceName(entry: PretrainedEntry): string {
  return entry.accuracy ? entry.accuracy.source.split(' (')[0] : '';
}

/** Whether this build has the entry's architecture as a preset. */
export function hasArchitecture(entry: PretrainedEntry): boolean {
  return findPreset(entry.architecture) !== undefined;
}

/** The network the entry's weights fit (its preset, 1000 ImageNet classes at its input size). */
export function pretrainedConfig(entry: PretrainedEntry): NetworkConfig {
  if (!hasArchitecture(entry)) throw new CatalogueError(`${entry.tag} needs the ${entry.architecture} architecture, which this build does not have`);
  if (entry.classes.count === 0) throw new CatalogueError(`${entry.tag} is a trunk without a classifier (${entry.classes.name}); choose a tag fine-tuned on ImageNet-1k`);
  const size = evalPreprocess(entry).inputSize;
  return presetConfig(entry.architecture, { classes: entry.classes.count, input: [3, size, size] });
}

const needs = new Map<string, MemoryNeed>();

/** Memory the entry needs (file about the size of its float32 state dict), or null without its architecture. */
export function pretrainedMemory(entry: PretrainedEntry): MemoryNeed | null {
  if (!hasArchitecture(entry) || entry.classes.count === 0) return null;
  let need = needs.get(entry.tag);
  if (!need) {
    need = memoryNeed(buildLayerGraph(pretrainedConfig(entry)));
    needs.set(entry.tag, need);
  }
  return need;
}
