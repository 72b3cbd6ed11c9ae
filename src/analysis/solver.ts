/**
 * The complexity-preserving solver of the paper's Table 2: for a cardinality C, the bottleneck
 * width d that keeps a conv2-stage block's parameters closest to the C = 1, d = 64 template.
 * Paper eq. (4): params = C * (256 d + 3 * 3 * d * d + d * 256).
 */
import { ConfigError } from '../model/config.ts';

export const SOLVER_DEPTHS: Record<number, number[]> = {
  26: [2, 2, 2, 2],
  38: [3, 3, 3, 3],
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
  200: [3, 24, 36, 3],
};

/** Parameters of the conv layers of a conv2-stage ResNeXt block, paper eq. (4) (no BN). */
export function templateParams(cardinality: number, d: number, channels = 256): number {
  return cardinality * (channels * d + 9 * d * d + d * channels);
}

interface SolveResult {
  depth: number;
  depths: number[];
  cardinality: number;
  /** Width of each group, the paper's d (the config's `widthPerGroup`). */
  widthPerGroup: number;
  /** Channels of the grouped conv in the first stage, C * d (torchvision's `width`). */
  width: number;
  /** Block parameters at this (C, d) and at the C = 1, d = 64 reference. */
  params: number;
  referenceParams: number;
  /** (params - reference) / reference. */
  relativeDifference: number;
}

/** The width d that keeps the block closest to the reference template; ties go to the smaller d. */
export function solveWidth(cardinality: number, referenceWidth = 64, channels = 256): number {
  if (!Number.isInteger(cardinality) || cardinality <= 0) {
    throw new ConfigError(`cardinality must be a positive integer, got ${cardinality}`);
  }
  const target = templateParams(1, referenceWidth, channels);
  let best = 1;
  let bestDiff = Infinity;
  for (let d = 1; d <= referenceWidth * 4; d++) {
    const diff = Math.abs(templateParams(cardinality, d, channels) - target);
    if (diff < bestDiff) {
      best = d;
      bestDiff = diff;
    }
  }
  return best;
}

export function solve(depth: number, cardinality: number): SolveResult {
  const depths = SOLVER_DEPTHS[depth];
  if (!depths) {
    const known = Object.keys(SOLVER_DEPTHS).join(', ');
    const hint = depth === 18 || depth === 34 ? ' (ResNet-18/34 use basic blocks, which have no bottleneck to group)' : '';
    throw new ConfigError(`no bottleneck ResNet of depth ${depth}${hint}; choose one of ${known}`);
  }
  const widthPerGroup = solveWidth(cardinality);
  const params = templateParams(cardinality, widthPerGroup);
  const referenceParams = templateParams(1, 64);
  return {
    depth, depths, cardinality, widthPerGroup, width: cardinality * widthPerGroup, params, referenceParams,
    relativeDifference: (params - referenceParams) / referenceParams,
  };
}
