/**
 * The RegNet design space (Radosavovic et al. 2020, "Designing Network Design Spaces"): the quantized
 * linear rule that turns six numbers into a network's stages, as ONE pure function.
 *
 *   u_j = w0 + wa * j                         (j = 0 .. d-1: a width per block, linear in the block index)
 *   s_j = round(log(u_j / w0) / log(wm))      (the block's step in log space)
 *   w_j = round(w0 * wm^s_j / 8) * 8          (quantized to multiples of 8)
 *
 * Runs of equal w_j form the stages (stride 2 each). Each stage's width is then made compatible with
 * its group width and bottleneck ratio: the bottleneck width int(w * b) is rounded to a multiple of the
 * group width (min(g, int(w * b))), torchvision's way (`_make_divisible`: half up, never more than 10 %
 * down; timm's `group_min_ratio=0.9`) or timm's (`quantize_float`: Python's round, half to even).
 *
 * torchvision and timm compute u_j, s_j and w_j in float32 tensors; so does this function (Math.fround
 * after every operation, rounding half to even as torch.round does).
 */
import { CONFIG } from './config.ts';

/** How a stage's bottleneck width is made a multiple of its group width. */
export type RegNetRounding = 'divisible' | 'quantize';
export const REGNET_ROUNDINGS: readonly RegNetRounding[] = ['divisible', 'quantize'];

export interface RegNetParams {
  /** d: blocks in all. */
  depth: number;
  /** w0: the initial width (a positive multiple of 8). */
  w0: number;
  /** wa: the slope of u_j (0 or more). */
  wa: number;
  /** wm: the width multiplier between stages (more than 1). */
  wm: number;
  /** g: the group width (channels per group of the 3x3 conv). */
  groupWidth: number;
  /** b: bottleneck ratio (1 in RegNetX/Y, 4 in timm's RegNetZ). */
  bottleneckRatio: number;
  rounding: RegNetRounding;
}

interface RegNetStage {
  /** Output channels of every block of the stage. */
  width: number;
  /** Blocks. */
  depth: number;
  /** Channels per group of the 3x3 conv (the group width after `min(g, int(w * b))`). */
  groupWidth: number;
  /** Channels of the block's 1x1 and grouped 3x3 convs: int(round(width * b)). */
  bottleneckWidth: number;
  /** Groups of the 3x3 conv: floor(bottleneckWidth / groupWidth), as torchvision and timm compute them. */
  groups: number;
}

export interface RegNetDesign {
  /** u_j per block, float32 as torch computes it. */
  continuous: number[];
  /** s_j per block. */
  steps: number[];
  /** w_j per block: the quantized widths before the group-width adjustment. */
  quantized: number[];
  stages: RegNetStage[];
}

/** The most blocks a RegNet may have here (the paper samples d < 64; the largest published one has 27). */
const REGNET_MAX_DEPTH = 1000;

const f32 = Math.fround;

/** torch.round / Python's round: to the nearest integer, halves to the even one. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's `_make_divisible(v, divisor)` and timm's `make_divisible(v, divisor, round_limit=0.9)`. */
function makeDivisible(v: number, divisor: number): number {
  let next = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (next < 0.9 * v) next += divisor;
  return next;
}

/**
 * The stages a RegNet's six numbers give, or a ConfigError naming the bad value and the fix (the checks
 * torchvision's `BlockParams.from_init_params` and timm's `generate_regnet` make, plus the ones whose
 * failure would otherwise surface as a PyTorch error or a network with zero channels).
 */
export function regnetDesign(p: RegNetParams): RegNetDesign {
  if (!Number.isInteger(p.depth) || p.depth <= 0) CONFIG.fail('config.regnet.depth', { value: p.depth });
  if (p.depth > REGNET_MAX_DEPTH) CONFIG.fail('config.regnet.depthTooLarge', { value: p.depth, max: REGNET_MAX_DEPTH });
  if (!Number.isFinite(p.w0) || !Number.isInteger(p.w0) || p.w0 <= 0 || p.w0 % 8 !== 0 || p.w0 > 1 << 16) {
    CONFIG.fail('config.regnet.w0', { value: p.w0 });
  }
  if (!Number.isFinite(p.wa) || p.wa < 0 || p.wa > 1 << 16) CONFIG.fail('config.regnet.wa', { value: p.wa });
  if (!Number.isFinite(p.wm) || p.wm <= 1 || p.wm > 64) CONFIG.fail('config.regnet.wm', { value: p.wm });
  if (!Number.isInteger(p.groupWidth) || p.groupWidth <= 0) CONFIG.fail('config.regnet.groupWidth', { value: p.groupWidth });
  if (!Number.isFinite(p.bottleneckRatio) || p.bottleneckRatio <= 0 || p.bottleneckRatio > 64) {
    CONFIG.fail('config.regnet.bottleneckRatio', { value: p.bottleneckRatio });
  }

  const wa = f32(p.wa);
  const logWm = f32(Math.log(p.wm));
  const wm = f32(p.wm);
  const continuous: number[] = [];
  const steps: number[] = [];
  const quantized: number[] = [];
  for (let j = 0; j < p.depth; j++) {
    const u = f32(f32(j * wa) + p.w0);
    const s = roundHalfEven(f32(f32(Math.log(f32(u / p.w0))) / logWm));
    const w = roundHalfEven(f32(f32(p.w0 * f32(Math.pow(wm, s))) / 8)) * 8;
    continuous.push(u);
    steps.push(s);
    quantized.push(w);
  }

  const runs: { width: number; depth: number }[] = [];
  for (const w of quantized) {
    const last = runs[runs.length - 1];
    if (last && last.width === w) last.depth += 1;
    else runs.push({ width: w, depth: 1 });
  }

  const b = p.bottleneckRatio;
  const stages = runs.map((run, i): RegNetStage => {
    const wBot = Math.trunc(run.width * b);
    if (wBot <= 0) CONFIG.fail('config.regnet.zeroBottleneck', { stage: i + 1, width: run.width, b });
    const g = Math.min(p.groupWidth, wBot);
    const rounded = p.rounding === 'divisible' ? makeDivisible(wBot, g) : Math.trunc(roundHalfEven(wBot / g) * g);
    const width = Math.trunc(rounded / b);
    const bottleneckWidth = Math.trunc(roundHalfEven(width * b));
    if (bottleneckWidth <= 0 || width <= 0) CONFIG.fail('config.regnet.zeroBottleneck', { stage: i + 1, width: run.width, b });
    // torchvision and timm: groups = bottleneck width // group width; PyTorch refuses 0 groups and channels they do not divide.
    const groups = Math.floor(bottleneckWidth / g);
    if (groups === 0 || bottleneckWidth % groups !== 0) {
      CONFIG.fail('config.regnet.groupsDivide', { g, stage: i + 1, width: bottleneckWidth, b });
    }
    return { width, depth: run.depth, groupWidth: g, bottleneckWidth, groups };
  });
  return { continuous, steps, quantized, stages };
}

/** SE channels of a RegNetY block: int(round(seRatio * the block's input channels)), as torchvision and timm compute them. */
export function regnetSeChannels(seRatio: number, inChannels: number): number {
  return Math.trunc(roundHalfEven(seRatio * inChannels));
}
