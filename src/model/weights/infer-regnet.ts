/**
 * Inferring a RegNet from a state_dict's keys and shapes, in torchvision's layout (`stem.0`,
 * `trunk_output.blockS.blockS-J.f.a.0` ..., `fc`) or timm's (`stem.conv`, `sS.bJ.conv1.conv` ...,
 * `head.fc`; pre-activation: `stem`, `sS.bJ.norm1`, `sS.bJ.conv1` ...). The file gives the stages (widths,
 * depths, group widths), the stem width, SE, the classes, and timm's options that have weights: pre-activation,
 * the shortcut (1x1 conv, average pool + conv, none), the head conv, GroupNorm (norms without running
 * statistics). The design-space numbers that generate those stages come from the preset that generates
 * them, else from a search of the space (w0 near the first width, wm on a 0.01 grid, wa from the stage
 * boundaries), checked by the generator itself. What has no weights (the activation, GroupNorm's group size,
 * linear block outputs) comes from the preset of the same structure, else from timm's only choice for such a
 * network (SiLU, groups of 16 channels, linear outputs without a shortcut: RegNetV, RegNetZ, regnety_040_sgn);
 * `inferenceNotice` says so.
 */
import { isRegNet, regnetOf, validateConfig, type NetworkConfig } from '../config.ts';
import { defaultConfig, PRESETS } from '../presets.ts';
import { regnetSeChannels, type RegNetRounding } from '../regnet.ts';
import { WeightsError, formatShape, type StateDictShapes } from './common.ts';
import { weightsMessage } from './messages.ts';

interface Layout {
  implementation: NetworkConfig['implementation'];
  stem: string;
  block: RegExp;
  prefix: (stage: number, block: number) => string;
  conv2: string;
  conv3: string;
  se: string;
  fc: string;
}

const LAYOUTS: readonly Layout[] = [
  {
    implementation: 'torchvision', stem: 'stem.0.weight', block: /^trunk_output\.block(\d+)\.block(\d+)-(\d+)\./,
    prefix: (s, b) => `trunk_output.block${s}.block${s}-${b}`, conv2: 'f.b.0.weight', conv3: 'f.c.0.weight', se: 'f.se.fc1.weight', fc: 'fc.weight',
  },
  {
    implementation: 'timm', stem: 'stem.conv.weight', block: /^s(\d+)\.b(\d+)\./,
    prefix: (s, b) => `s${s}.b${b + 1}`, conv2: 'conv2.conv.weight', conv3: 'conv3.conv.weight', se: 'se.fc1.weight', fc: 'head.fc.weight',
  },
  // timm's pre-activation RegNet (RegNetV): a bare conv stem, PreBottleneck's norm1..3 and bare convs.
  {
    implementation: 'timm', stem: 'stem.weight', block: /^s(\d+)\.b(\d+)\./,
    prefix: (s, b) => `s${s}.b${b + 1}`, conv2: 'conv2.weight', conv3: 'conv3.weight', se: 'se.fc1.weight', fc: 'head.fc.weight',
  },
];

const PREACT = LAYOUTS[2];

/** The layout of a state_dict with a RegNet's stem (torchvision's, timm's, timm's pre-activation one), or undefined. */
function layoutOf(sd: StateDictShapes): Layout | undefined {
  return LAYOUTS.find((l) => sd.has(l.stem) && (l !== PREACT || sd.has('s1.b1.norm1.weight')));
}

/** Whether a state_dict has a RegNet's stem (torchvision's or timm's). */
export function isRegNetStateDict(sd: StateDictShapes): boolean {
  return layoutOf(sd) !== undefined;
}

interface Found {
  widths: number[];
  depths: number[];
  bottlenecks: number[];
  perGroup: number[];
  se: number | null;
}

function fail(reason: string): WeightsError {
  return new WeightsError('mismatch', weightsMessage('weights.cannotInfer', { reason: weightsMessage('weights.reason', { text: reason }) }));
}

function shape(sd: StateDictShapes, key: string): readonly number[] {
  const t = sd.get(key);
  if (!t) throw fail(`the file has no ${key}`);
  if (t.shape.length !== 4) throw fail(`${key} has shape ${formatShape(t.shape)}, expected 4 dimensions`);
  return t.shape;
}

/** Whether a config's generated stages are the ones found. */
function generates(config: NetworkConfig, found: Found): boolean {
  try {
    const stages = regnetOf(config).stages;
    return stages.length === found.widths.length && stages.every((s, i) => s.width === found.widths[i] && s.depth === found.depths[i]
      && s.bottleneckWidth === found.bottlenecks[i] && s.bottleneckWidth / s.groups === found.perGroup[i]);
  } catch {
    return false;
  }
}

/**
 * The steps s (block width w0 * wm^s, quantized) of the stages for a w0 and wm: 0, 1, 2, ... in most RegNets, but a
 * slope wa large against w0 skips steps (w0 16, wa 58.91, wm 2.46: steps 0, 2, 3, 4), so also each stage's step whose
 * quantized width is nearest its width (the group-width adjustment moves it a little), increasing.
 */
function stepChoices(w0: number, wm: number, widths: readonly number[]): number[][] {
  const consecutive = widths.map((_, k) => k);
  const nearest: number[] = [0];
  for (let k = 1; k < widths.length; k++) {
    let best = nearest[k - 1] + 1;
    let bestError = Number.POSITIVE_INFINITY;
    for (let step = nearest[k - 1] + 1; step <= nearest[k - 1] + 8; step++) {
      const error = Math.abs(Math.log(Math.max(8, Math.round((w0 * wm ** step) / 8) * 8) / widths[k]));
      if (error < bestError) {
        best = step;
        bestError = error;
      }
    }
    nearest.push(best);
  }
  return nearest.every((step, k) => step === k) ? [consecutive] : [consecutive, nearest];
}

/**
 * d, w0, wa, wm (and g) that generate the stages found, with the given rounding: w0 a multiple of 8 near
 * the first stage's width, wm on a 0.01 grid, wa the middle of the interval the stages' steps allow (every block of
 * a stage of step s has w0 * wm^(s - 1/2) <= w0 + wa j < w0 * wm^(s + 1/2); rounded to 0.01), each candidate checked
 * by the generator. Null when none does.
 */
function searchDesign(base: NetworkConfig, found: Found): NetworkConfig | null {
  const d = found.depths.reduce((a, b) => a + b, 0);
  const g = Math.max(...found.perGroup);
  const first = found.widths[0];
  const starts: number[] = [];
  let at = 0;
  for (const depth of found.depths) {
    starts.push(at);
    at += depth;
  }
  for (let w0 = Math.max(8, Math.floor((first - g) / 8) * 8); w0 <= first + g; w0 += 8) {
    for (let wmHundredths = 105; wmHundredths <= 400; wmHundredths++) {
      const wm = wmHundredths / 100;
      for (const steps of stepChoices(w0, wm, found.widths)) {
        let lo = 0;
        let hi = Number.POSITIVE_INFINITY;
        for (let k = 0; k < starts.length; k++) {
          const firstBlock = starts[k];
          const lastBlock = starts[k] + found.depths[k] - 1;
          if (firstBlock > 0) lo = Math.max(lo, (w0 * wm ** (steps[k] - 0.5) - w0) / firstBlock);
          if (lastBlock > 0) hi = Math.min(hi, (w0 * wm ** (steps[k] + 0.5) - w0) / lastBlock);
        }
        if (!(lo < hi)) continue;
        for (const wa of [Math.round(((lo + hi) / 2) * 100) / 100, Math.ceil(lo * 100) / 100, Math.floor(hi * 100) / 100]) {
          const config = { ...base, regnetDepth: d, w0, wa, wm, groupWidth: g };
          if (wa >= 0 && generates(config, found)) return config;
        }
      }
    }
  }
  return null;
}

/** Whether two RegNet configs agree in timm's options that have weights (pre-activation, shortcut, head conv, GroupNorm or not). */
function sameWeightedOptions(a: NetworkConfig, b: NetworkConfig): boolean {
  return a.preact === b.preact && a.shortcut === b.shortcut && a.headFeatures === b.headFeatures && (a.gnGroupSize > 0) === (b.gnGroupSize > 0);
}

/**
 * timm's options the file shows (pre-activation, the shortcut of stage 1's first block, which always changes shape, the
 * head conv, GroupNorm: norms without running statistics), and what it cannot show, as timm's own networks of that kind
 * have it: SiLU where any option is on, GroupNorm groups of 16 channels (8 where 16 divides not every norm), linear
 * block outputs where blocks that change shape have no shortcut.
 */
function timmOptions(sd: StateDictShapes, layout: Layout, found: Found, stemWidth: number): Pick<NetworkConfig, 'preact' | 'shortcut' | 'headFeatures' | 'gnGroupSize' | 'activation' | 'linearOut'> {
  const none = { preact: false, shortcut: 'conv1x1', headFeatures: 0, gnGroupSize: 0, activation: 'relu', linearOut: false } as const;
  if (layout.implementation !== 'timm') return none;
  const preact = layout === PREACT;
  const b = layout.prefix(1, 0);
  const conv = preact ? '' : '.conv';
  const shortcut = sd.has(`${b}.downsample${conv}.weight`) ? 'conv1x1' : sd.has(`${b}.downsample.1${conv}.weight`) ? 'avg' : 'none';
  const finalConv = sd.get('final_conv.conv.weight');
  const headFeatures = finalConv && finalConv.shape.length === 4 ? finalConv.shape[0] : 0;
  const norm = preact ? `${b}.norm1` : 'stem.bn';
  const groupNorm = sd.has(`${norm}.weight`) && !sd.has(`${norm}.running_mean`);
  const channels = [stemWidth, ...found.widths, ...found.bottlenecks, ...(headFeatures ? [headFeatures] : [])];
  const gnGroupSize = !groupNorm ? 0 : channels.every((c) => c % 16 === 0) ? 16 : 8;
  const any = preact || shortcut !== 'conv1x1' || headFeatures > 0 || groupNorm;
  return { preact, shortcut, headFeatures, gnGroupSize, activation: any ? 'silu' : 'relu', linearOut: !preact && shortcut === 'none' };
}

/** The RegNet config a torchvision- or timm-layout state_dict belongs to (see the module comment). */
export function inferRegNet(sd: StateDictShapes): NetworkConfig {
  const layout = layoutOf(sd)!;
  const [stemWidth, inChannels, k] = shape(sd, layout.stem);
  if (k !== 3) throw fail(`${layout.stem} has a ${k}x${k} kernel; RegNet's stem is a 3x3 conv`);
  const blocks = new Map<number, Set<number>>();
  for (const key of sd.keys()) {
    const m = layout.block.exec(key);
    if (!m) continue;
    const stage = Number(m[1]);
    if (layout.implementation === 'torchvision' && Number(m[2]) !== stage) throw fail(`${key} is a block of stage ${m[2]} under trunk_output.block${stage}`);
    const block = Number(m[m.length - 1]) - (layout.implementation === 'timm' ? 1 : 0);
    blocks.set(stage, (blocks.get(stage) ?? new Set<number>()).add(block));
  }
  if (blocks.size === 0) throw fail('the file has a RegNet stem but no blocks');
  const found: Found = { widths: [], depths: [], bottlenecks: [], perGroup: [], se: null };
  for (let s = 1; s <= blocks.size; s++) {
    const set = blocks.get(s);
    if (!set) throw fail(`the file has no blocks of stage ${s}`);
    for (let b = 0; b < set.size; b++) if (!set.has(b)) throw fail(`stage ${s} has blocks ${[...set].sort((x, y) => x - y).join(', ')}, not 0..${set.size - 1}`);
    const p = layout.prefix(s, 0);
    const [bottleneck, perGroup] = shape(sd, `${p}.${layout.conv2}`);
    found.widths.push(shape(sd, `${p}.${layout.conv3}`)[0]);
    found.depths.push(set.size);
    found.bottlenecks.push(bottleneck);
    found.perGroup.push(perGroup);
  }
  const se = sd.get(`${layout.prefix(1, 0)}.${layout.se}`);
  const seChannels = se ? se.shape[0] : 0;
  // The SE ratio: 0.25 (every RegNetY) when it gives the file's channels, else the ratio of stage 1's first block.
  const seRatio = !se ? 0 : regnetSeChannels(0.25, stemWidth) === seChannels ? 0.25 : seChannels / stemWidth;
  const fc = sd.get(layout.fc);
  const bottleneckRatio = found.bottlenecks[0] / found.widths[0];
  const options = timmOptions(sd, layout, found, stemWidth);
  const base: NetworkConfig = {
    ...defaultConfig(), block: 'regnet', implementation: layout.implementation, stemWidth, seRatio, ...options,
    bottleneckRatio: Number.isInteger(bottleneckRatio) || found.bottlenecks.every((w, i) => w === found.widths[i]) ? Math.round(bottleneckRatio * 1000) / 1000 : bottleneckRatio,
    input: [inChannels, 224, 224],
    classes: fc && fc.shape.length === 2 ? fc.shape[0] : 1000,
    includeTop: fc !== undefined,
  };
  const roundings: RegNetRounding[] = layout.implementation === 'timm' ? ['quantize', 'divisible'] : ['divisible'];
  // A preset of the same library first, then any preset, then the search.
  const presets = [...PRESETS.filter((p) => p.config.implementation === layout.implementation), ...PRESETS].filter((p) => isRegNet(p.config));
  for (const p of presets) {
    const rounding = p.config.widthRounding;
    if (!roundings.includes(rounding) || p.config.bottleneckRatio !== base.bottleneckRatio || !sameWeightedOptions(p.config, base)) continue;
    const config = { ...base, activation: p.config.activation, linearOut: p.config.linearOut, gnGroupSize: p.config.gnGroupSize, widthRounding: rounding, regnetDepth: p.config.regnetDepth, w0: p.config.w0, wa: p.config.wa, wm: p.config.wm, groupWidth: p.config.groupWidth };
    if (generates(config, found)) return validateConfig(config);
  }
  for (const widthRounding of roundings) {
    const config = searchDesign({ ...base, widthRounding }, found);
    if (config) return validateConfig(config);
  }
  throw fail(`no RegNet rule (w0, wa, wm, d, g) generates stages of widths ${found.widths.join(', ')} and depths ${found.depths.join(', ')}`
    + ` (group widths ${found.perGroup.join(', ')}): build it with --block regnet and its numbers`);
}
