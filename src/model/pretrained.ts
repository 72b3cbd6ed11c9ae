/**
 * The pretrained weights catalogue: `pretrained.json` (the one data file; the fixture script checks it
 * against timm's pretrained configs, timm's results table and torchvision's weights metadata), read and
 * checked here. Each entry carries what its checkpoint needs to be used right: the hub file, the
 * architecture (a preset), the evaluation preprocessing of its pretrained config, the licence, the
 * classes it predicts, and its published top-1 / top-5 with their source. A checkpoint's accuracy lives
 * here only; `presets.ts` keeps the figures of architectures (params, MACs, the paper's errors).
 */
import type { NetworkConfig } from './config.ts';
import { buildLayerGraph } from './graph.ts';
import { memoryNeed, type MemoryNeed } from './memory.ts';
import { validatePreprocess, type CropMode, type PreprocessConfig } from './preprocess.ts';
import { findPreset, presetConfig } from './presets.ts';
import type { Interpolation } from './image/resample.ts';
import catalogue from './pretrained.json' with { type: 'json' };

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
  preprocess: PreprocessConfig;
  /** Where the preprocessing comes from. */
  preprocessSource: string;
  license: License;
  classes: ClassSet;
  accuracy: { top1: number; top5: number; source: string };
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
  preprocess_source: string;
  license: string;
  classes: string;
  accuracy: { top1: number; top5: number; source: string };
}

interface CatalogueJson {
  licenses: Record<string, { name: string; commercial: boolean }>;
  classes: Record<string, { name: string; count: number }>;
  entries: EntryJson[];
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
    try {
      preprocess = preprocessFromJson(e.preprocess);
    } catch (err) {
      throw new CatalogueError(`${where}: ${(err as Error).message}`);
    }
    if (e.hub.revision !== undefined && !/^[0-9a-f]{40}$/.test(e.hub.revision)) throw new CatalogueError(`${where}: hub revision "${e.hub.revision}" is not a 40-digit commit hash`);
    if (e.hub.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(e.hub.sha256)) throw new CatalogueError(`${where}: hub sha256 "${e.hub.sha256}" is not 64 hex digits`);
    const { top1, top5 } = e.accuracy;
    if (!(top1 > 0 && top1 <= top5 && top5 <= 100)) throw new CatalogueError(`${where}: top-1 ${top1} / top-5 ${top5} are not percentages with top-1 <= top-5`);
    return {
      tag: e.tag,
      label: e.label,
      architecture: e.architecture,
      hub: { repo: e.hub.repo, file: e.hub.file, revision: e.hub.revision ?? null, sha256: e.hub.sha256 ?? null },
      url: `https://huggingface.co/${e.hub.repo}/resolve/${e.hub.revision ?? 'main'}/${e.hub.file}`,
      torchvisionWeights: e.torchvision_weights ?? null,
      preprocess,
      preprocessSource: e.preprocess_source,
      license: { id: e.license, ...license },
      classes: { id: e.classes, ...classes },
      accuracy: e.accuracy,
    };
  });
}

export const PRETRAINED: readonly PretrainedEntry[] = parseCatalogue(catalogue as CatalogueJson);

/** The entry of a tag (`resnet50.tv2_in1k`) or of torchvision's weights name (`ResNet50_Weights.IMAGENET1K_V2`). */
export function findPretrained(name: string): PretrainedEntry | undefined {
  return PRETRAINED.find((p) => p.tag === name || p.torchvisionWeights === name);
}

export function requirePretrained(name: string): PretrainedEntry {
  const entry = findPretrained(name);
  if (!entry) throw new CatalogueError(`no pretrained weights "${name}"; the catalogue has ${PRETRAINED.map((p) => p.tag).join(', ')}`);
  return entry;
}

/** The entry whose download URL this is. */
export function pretrainedByUrl(url: string): PretrainedEntry | undefined {
  return PRETRAINED.find((p) => p.url === url);
}

/** The name of an accuracy's source without its details: "torchvision 0.14 weights metadata", "timm results-imagenet.csv". */
export function accuracySourceName(entry: PretrainedEntry): string {
  return entry.accuracy.source.split(' (')[0];
}

/** Every checkpoint of an architecture, in catalogue order (torchvision's V1 before V2). */
export function checkpointsOf(architecture: string): PretrainedEntry[] {
  return PRETRAINED.filter((p) => p.architecture === architecture);
}

/** Whether this build has the entry's architecture as a preset. */
export function hasArchitecture(entry: PretrainedEntry): boolean {
  return findPreset(entry.architecture) !== undefined;
}

/** The network the entry's weights fit (its preset, 1000 ImageNet classes at its input size). */
export function pretrainedConfig(entry: PretrainedEntry): NetworkConfig {
  if (!hasArchitecture(entry)) throw new CatalogueError(`${entry.tag} needs the ${entry.architecture} architecture, which this build does not have`);
  return presetConfig(entry.architecture, { classes: entry.classes.count, input: [3, entry.preprocess.inputSize, entry.preprocess.inputSize] });
}

const needs = new Map<string, MemoryNeed>();

/** Memory the entry needs (file about the size of its float32 state dict), or null without its architecture. */
export function pretrainedMemory(entry: PretrainedEntry): MemoryNeed | null {
  if (!hasArchitecture(entry)) return null;
  let need = needs.get(entry.tag);
  if (!need) {
    need = memoryNeed(buildLayerGraph(pretrainedConfig(entry)));
    needs.set(entry.tag, need);
  }
  return need;
}
