/**
 * The RegNet design space as data (Radosavovic et al. 2020): a network's point in it (params, FLOPs as
 * multiply-accumulates, activations = conv output elements, all per 224x224 image, as the paper and
 * pycls count them), and a seeded sampler of the space within ranges the user constrains (the paper's
 * AnyNetX -> RegNetX ranges by default), computed in chunks so a page stays responsive.
 */
import { rng } from '../model/rng.ts';
import { isRegNet, ConfigError, type NetworkConfig } from '../model/config.ts';
import { buildLayerGraph, numel } from '../model/graph.ts';
import { defaultConfig } from '../model/presets.ts';
import { checkBudget } from './analyze.ts';
import { totalMacs, totalParams } from './counts.ts';

export interface SpacePoint {
  params: number;
  /** Multiply-accumulates (the paper's and pycls's "flops"). */
  macs: number;
  /** Conv output elements (the paper's "activations"). */
  activations: number;
}

/** A network's point at its own config (input included). */
export function pointOf(config: NetworkConfig): SpacePoint {
  const graph = buildLayerGraph(config);
  const activations = graph.nodes.filter((n) => n.kind === 'conv').reduce((s, n) => s + numel(n.outShape), 0);
  return { params: totalParams(graph), macs: totalMacs(graph), activations };
}

/** Ranges of the sampled space: d, w0, wa, wm as [lo, hi]; g and b from lists; SE ratio fixed. */
export interface SpaceRanges {
  depth: [number, number];
  w0: [number, number];
  wa: [number, number];
  wm: [number, number];
  groupWidths: number[];
  /** Bottleneck multipliers (w_b = w x b): the paper's b in {1, 2, 4} is 1, 1/2, 1/4 here. */
  bottleneckRatios: number[];
  seRatio: number;
  /** Keep only networks of exactly four stages (the paper's and timm's RegNets have four). */
  fourStages: boolean;
}

/** The paper's RegNetX ranges (section 4): d < 64, w0 < 256, 0 < wa < 256, 1.5 < wm < 3, g in 1..32, b = 1. */
export const PAPER_RANGES: SpaceRanges = {
  depth: [12, 28], w0: [16, 248], wa: [8, 128], wm: [1.5, 3], groupWidths: [8, 16, 24, 32, 48, 64], bottleneckRatios: [1], seRatio: 0, fourStages: true,
};

/** The widest ranges the sampler accepts (the paper's AnyNetX -> RegNetX bounds). */
const RANGE_LIMITS = { depth: [1, 63], w0: [8, 255], wa: [0.01, 255], wm: [1.01, 3.5] } as const;

function logUniform(r: () => number, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + r() * (Math.log(hi) - Math.log(lo)));
}

/** Checks ranges (each lo <= hi inside the limits, non-empty lists), or a ConfigError naming the range. */
function checkRanges(ranges: SpaceRanges): SpaceRanges {
  for (const key of ['depth', 'w0', 'wa', 'wm'] as const) {
    const [lo, hi] = ranges[key];
    const [min, max] = RANGE_LIMITS[key];
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi && lo >= min && hi <= max)) {
      throw new ConfigError(`the ${key} range ${lo} to ${hi} is not a range within ${min} to ${max}: give a lower bound at most the upper one`);
    }
  }
  if (ranges.groupWidths.length === 0 || ranges.bottleneckRatios.length === 0) throw new ConfigError('choose at least one group width and one bottleneck ratio');
  return ranges;
}

/**
 * One sample: d uniform, w0 log-uniform rounded to a multiple of 8, wa and wm log-uniform (wa and wm to
 * 0.01, as the published models give them), g and b uniform from their lists; with torchvision's module
 * layout and rounding (any number of stages). Null when the numbers give no valid network.
 */
function sampleConfig(r: () => number, ranges: SpaceRanges, input: [number, number, number] = [3, 224, 224]): NetworkConfig | null {
  const depth = Math.floor(ranges.depth[0] + r() * (ranges.depth[1] - ranges.depth[0] + 1));
  const w0 = Math.max(8, Math.round(logUniform(r, ranges.w0[0], ranges.w0[1]) / 8) * 8);
  const wa = Math.round(logUniform(r, ranges.wa[0], ranges.wa[1]) * 100) / 100;
  const wm = Math.round(logUniform(r, ranges.wm[0], ranges.wm[1]) * 100) / 100;
  const groupWidth = ranges.groupWidths[Math.floor(r() * ranges.groupWidths.length)];
  const bottleneckRatio = ranges.bottleneckRatios[Math.floor(r() * ranges.bottleneckRatios.length)];
  const config: NetworkConfig = {
    ...defaultConfig(), block: 'regnet', regnetDepth: Math.min(depth, ranges.depth[1]), w0, wa, wm, groupWidth, bottleneckRatio, seRatio: ranges.seRatio, input,
  };
  try {
    const point = buildLayerGraph(config);
    if (ranges.fourStages && point.stages.length !== 5) return null;
    checkBudget(totalParams(point), totalMacs(point));
    return config;
  } catch (e) {
    if (e instanceof ConfigError) return null;
    throw e;
  }
}

export interface SampledPoint extends SpacePoint {
  config: NetworkConfig;
}

/**
 * Samples `n` valid networks (at most 20 n draws), `chunk` at a time: `onChunk` gets the points so far
 * after each chunk, and the next chunk waits for `yieldTo` (a timeout in the app), so the page stays
 * responsive; `cancelled` stops it between chunks. Resolves to all points.
 */
export async function samplePopulation(
  ranges: SpaceRanges, n: number, seed: number,
  options: { chunk?: number; yieldTo?: () => Promise<void>; onChunk?: (points: readonly SampledPoint[]) => void; cancelled?: () => boolean } = {},
): Promise<SampledPoint[]> {
  checkRanges(ranges);
  const r = rng(seed);
  const points: SampledPoint[] = [];
  const chunk = options.chunk ?? 16;
  let draws = 0;
  while (points.length < n && draws < 20 * n) {
    for (let i = 0; i < chunk && points.length < n && draws < 20 * n; i++) {
      draws += 1;
      const config = sampleConfig(r, ranges);
      if (config) points.push({ config, ...pointOf(config) });
    }
    options.onChunk?.(points);
    if (options.cancelled?.()) break;
    if (options.yieldTo) await options.yieldTo();
  }
  return points;
}

/**
 * Whether a ResNet-family preset's body is a point of the AnyNet space: bottleneck blocks (1x1, grouped
 * 3x3, 1x1) of constant width per stage, without attention (AnyNetX; its group width g_i = width / C
 * varies per stage, so it is an AnyNetX_A point, not a RegNet one). Its stem (7x7 + max pool) is not
 * AnyNet's 3x3 stem, which the figures include.
 */
export function isAnyNetPoint(config: NetworkConfig): boolean {
  return !isRegNet(config) && config.block === 'bottleneck' && config.stem === 'imagenet' && config.attention === 'none' && !config.avgDown;
}
