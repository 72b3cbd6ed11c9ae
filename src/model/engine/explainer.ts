/**
 * The engine's side of the Explain view, free of browser APIs (the worker and Node tests run it): the
 * current input (a preprocessed image or a raw batch), its top-k and class activation maps, a layer's
 * maps as compact data (`feature-maps.ts`), one map in float32, whole outputs in PyTorch's layout.
 * The last layer read is kept (its values, once) so that enlarging one of its maps runs nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { camHead, resolveTap, tapTargets, TapError, type TapTarget } from '../explain.ts';
import { encodeFeatureMaps, mapGeometry, type FeatureMaps, type MapEncoding } from '../feature-maps.ts';
import type { LayerGraph } from '../graph.ts';
import { checkClasses, classActivationMaps, layerOutputs, runTaps, torchLayout } from '../tfjs/taps.ts';
import type { TfjsNetwork } from '../tfjs/network.ts';
import type { StateDict } from '../weights/common.ts';
import type { CamMaps, ExplainMap, ExplainOverview, LayerValues } from './protocol.ts';
import type { BackendName } from '../tfjs/backend-name.ts';
import { checkInput, observeMaxima, runGuarded, type FiniteGuard } from './finite.ts';
import type { Message } from '../message.ts';

type Crop = { width: number; height: number; data: Uint8ClampedArray };
type Ranked = (logits: ArrayLike<number>, k: number) => { index: number; label: string; prob: number }[];

interface LayerCache {
  net: TfjsNetwork;
  input: Float32Array;
  name: string;
  /** The engine's layout (NHWC for maps), or PyTorch's where the two differ only by size-1 dimensions. */
  values: Float32Array;
  layout: 'nhwc' | 'nchw';
  /** PyTorch's shape. */
  shape: number[];
}

export class Explainer {
  private input: { data: Float32Array; shape: number[]; crop: Crop | null } | null = null;
  private cache: LayerCache | null = null;
  private targets: { graph: LayerGraph; all: TapTarget[] } | null = null;

  /** Sets the input every later request reads (float32 NCHW); `crop` is the image it came from, if any. */
  setInput(data: Float32Array, shape: readonly number[], crop: Crop | null = null): void {
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.length !== 4 || data.length !== n) throw new Error(`input holds ${data.length} values, shape [${shape.join(', ')}] needs ${n}`);
    this.input = { data, shape: [...shape], crop };
    this.cache = null;
  }

  /** Forgets the input (after the guard refused it). */
  clear(): void {
    this.input = null;
    this.cache = null;
  }

  private need(): { data: Float32Array; shape: number[]; crop: Crop | null } {
    if (!this.input) throw new Error('no input to explain: choose an image first');
    return this.input;
  }

  private target(net: TfjsNetwork, name: string): TapTarget {
    if (this.targets?.graph !== net.graph) this.targets = { graph: net.graph, all: tapTargets(net.graph) };
    return resolveTap(net.graph, name, this.targets.all);
  }

  /**
   * Top-k of every sample and the CAMs of those classes, from one forward pass under the finite guard
   * (`finite.ts`): an input or weights that make the network compute NaN or Inf get a NonFiniteError,
   * never maps. The layer requests read this input only after its overview passed.
   */
  async overview(net: TfjsNetwork, sd: StateDict, guard: FiniteGuard, topk: number, rank: Ranked, backend: BackendName, random: boolean): Promise<ExplainOverview> {
    const { data, shape, crop } = this.need();
    if (!Number.isInteger(topk) || topk < 1) throw new Error(`topk must be a positive integer, got ${topk}`);
    const t0 = performance.now();
    let camError: Message | null = null;
    try {
      camHead(net.graph);
    } catch (e) {
      if (!(e instanceof TapError)) throw e;
      camError = e.msg ?? { id: '', params: {}, text: e.message };
    }
    if (camError) {
      await runGuarded(net, guard, data, shape);
      return { shape, crop, top: null, cam: null, camError, ms: performance.now() - t0, backend, random };
    }
    const inputMax = checkInput(data);
    const maxima: [number, tf.Scalar][] = [];
    try {
      const top: NonNullable<ExplainOverview['top']> = [];
      const r = await classActivationMaps(net, sd, data, shape, (logits) => {
        const t = rank(logits, topk);
        top.push(t);
        return t.map((e) => e.index);
      }, observeMaxima(guard, maxima));
      const observed = new Map<number, number>();
      for (const [node, m] of maxima) observed.set(node, (await m.data())[0]);
      guard.check(inputMax, observed, r.logits);
      return {
        shape, crop, top, cam: { layer: r.layer, maps: r.maps, shape: r.shape, classes: r.classes }, camError: null,
        ms: performance.now() - t0, backend, random,
      };
    } finally {
      for (const [, m] of maxima) m.dispose();
    }
  }

  private async read(net: TfjsNetwork, sd: StateDict, name: string): Promise<LayerCache> {
    const { data, shape } = this.need();
    const target = this.target(net, name);
    const c = this.cache;
    if (c && c.net === net && c.input === data && c.name === target.name) return c;
    const x = tf.tensor4d(data, shape as [number, number, number, number]);
    try {
      const run = runTaps(net, sd, x, [target], false);
      const [t] = run.taps;
      try {
        // The graph's shapes are those of its configured input size; the input may be another size.
        const nhwc = t.rank === 4;
        const torch = nhwc ? [t.shape[0], t.shape[3]!, t.shape[1]!, t.shape[2]!] : [shape[0], ...target.outShape];
        const v = nhwc ? t : torchLayout(t, target);
        const values = Float32Array.from((await v.data()) as Float32Array);
        if (v !== t) v.dispose();
        this.cache = { net, input: data, name: target.name, values, layout: nhwc ? 'nhwc' : 'nchw', shape: torch };
        return this.cache;
      } finally {
        t.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  /** One sample of a layer's output as compact maps (per-map statistics, uint8 / float16 / float32 values). */
  async layer(net: TfjsNetwork, sd: StateDict, name: string, encoding: MapEncoding, sample: number): Promise<FeatureMaps> {
    const c = await this.read(net, sd, name);
    return encodeFeatureMaps(c.name, c.values, c.shape, c.layout, sample, encoding);
  }

  /** Map `channel` of sample `sample` of a layer, in float32. */
  async map(net: TfjsNetwork, sd: StateDict, name: string, channel: number, sample: number): Promise<ExplainMap> {
    const c = await this.read(net, sd, name);
    const g = mapGeometry(c.shape);
    if (!Number.isInteger(channel) || channel < 0 || channel >= g.c) throw new RangeError(`channel must be 0..${g.c - 1}, got ${channel}`);
    if (!Number.isInteger(sample) || sample < 0 || sample >= g.n) throw new RangeError(`sample must be 0..${g.n - 1}, got ${sample}`);
    const hw = g.h * g.w;
    const values = new Float32Array(hw);
    let min = Infinity, max = -Infinity, sum = 0, zeros = 0;
    for (let p = 0; p < hw; p++) {
      const v = c.layout === 'nhwc' ? c.values[(sample * hw + p) * g.c + channel] : c.values[(sample * g.c + channel) * hw + p];
      values[p] = v;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      if (v <= 0) zeros++;
    }
    return { layer: c.name, channel, sample, height: g.h, width: g.w, values, min, max, mean: sum / hw, zeros: zeros / hw };
  }

  /** Whole outputs in PyTorch's layout, as its forward hooks return them. */
  async values(net: TfjsNetwork, sd: StateDict, names: readonly string[]): Promise<LayerValues[]> {
    const { data, shape } = this.need();
    return layerOutputs(net, sd, data, shape, names);
  }

  /** CAMs of the given classes of each sample ([N, k, H', W']). */
  async cam(net: TfjsNetwork, sd: StateDict, classes: readonly (readonly number[])[]): Promise<CamMaps> {
    const { data, shape } = this.need();
    const head = camHead(net.graph);
    if (classes.length !== shape[0] || classes.some((c) => c.length !== classes[0].length) || classes[0].length === 0) {
      throw new Error(`name the same number of classes (at least one) for each of the ${shape[0]} samples`);
    }
    for (const c of classes) checkClasses(c, head.classes);
    const r = await classActivationMaps(net, sd, data, shape, (_, s) => [...classes[s]]);
    return { layer: r.layer, maps: r.maps, shape: r.shape, classes: r.classes, logits: r.logits };
  }
}
