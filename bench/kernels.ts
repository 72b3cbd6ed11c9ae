/**
 * `npm run bench:kernels`: every distinct conv shape of ResNeXt-50 32x4d and ResNet-50 by the own
 * generated wasm kernels (the GEMM conv for dense convs, the grouped conv for grouped ones), as the
 * network plans them, on ONE thread in headless Chromium, beside the one-thread FMA ceiling of
 * `bench/simd-ceiling.ts` (its loop forms and accumulators, the best). Each kernel runs on its own plain
 * memory, outside tfjs, so this times the kernels' code alone: no pad pass, no pool dispatch, no
 * tensor bookkeeping (`npm run bench` times those too).
 *
 * The candidates are timed round by round, interleaved, and each kernel call is cut into chunks of
 * about 0.4 ms timed apart: the sum of the chunks' minima over the rounds is what a load on the
 * machine distorts least (a preempted chunk is simply not the minimum), so this bench says something
 * even on a busy machine, where the two-thread figures of `npm run bench` say little. The median of
 * the whole calls is printed beside it. Then, per network and stage: the grouped 3x3 (or dense 3x3)
 * against the dense 1x1 rate, each layer weighted by its time, and the network's convs together as
 * a share of the one-thread ceiling.
 *   npm run bench:kernels [-- --rounds 20 --batch 1 --models resnet50,resnext50_32x4d --filter g32]
 * `--plans '[{}, {"p": 4}]'` times each grouped conv with each of these changes to its plan
 * (`WasmGroupedPlan`), `--gemm-plans '[{}, {"mr": 5}, {"panelKiB": 160}]'` each dense conv with each change to
 * its GEMM plan (`mr`, `panel`, `group`; `panelKiB`: the panels planned for that much input), interleaved; the
 * summaries use the first.
 */
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { buildLayerGraph, type ConvNode } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { GEMM_NR, gemmConvWasmBytes, gemmItems, type GemmConvShape } from '../src/model/tfjs/kernels/conv-gemm.ts';
import { gemmPlan } from '../src/model/tfjs/kernels/wasm-conv.ts';
import { groupedConvWasmBytes, groupedInputMargin, groupedItems, groupParts, wasmGroupedPlan, type KernelShape, type WasmGroupedPlan } from '../src/model/tfjs/kernels/wasm-grouped.ts';
import { cpuSnapshot, othersShare } from './cpu-share.ts';
import { ACCUMULATORS, CEILING_FORMS, CEILING_SCRATCH_BYTES, ceilingModule, ceilingStepsPerIteration, type CeilingForm } from './simd-ceiling.ts';

const args = process.argv.slice(2);
const arg = (name: string, d: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
const ROUNDS = Number(arg('--rounds', '20'));
const BATCH = Number(arg('--batch', '1'));
const MODELS = arg('--models', 'resnext50_32x4d,resnet50').split(',');
const FILTER = arg('--filter', '');
const PLANS = JSON.parse(arg('--plans', '[{}]')) as Partial<WasmGroupedPlan>[];
/** A change to a dense conv's GEMM plan: `mr`, `panel`, `group` set as given; `panelKiB` plans the panels for that input budget. */
type GemmChange = Partial<Pick<GemmConvShape, 'mr' | 'panel' | 'group'>> & { panelKiB?: number };
const GEMM_PLANS = JSON.parse(arg('--gemm-plans', '[{}]')) as GemmChange[];

/** One kernel to time: its module, the memory it reads, its arguments before (begin, end). */
interface MicroCase {
  name: string;
  bytes: Uint8Array;
  /** Regions relative to the case's base: [offset bytes, length floats, scale (0 = zeros)]. */
  regions: [number, number, number][];
  /** Arguments before (begin, end); offsets relative to the case's base where `rel`. */
  args: number[];
  rel: boolean[];
  items: number;
  macs: number;
  /** Bytes of memory the case needs. */
  size: number;
}

interface MicroResult {
  name: string;
  minMs: number;
  medMs: number;
  gmacMin: number;
  gmacMed: number;
}

async function runMicro(cases: MicroCase[], rounds: number): Promise<MicroResult[]> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const page = await browser.newPage();
    await page.addInitScript('window.__name = (f) => f');
    await page.route('http://localhost:9/', (route) => route.fulfill({ body: '<!doctype html><title>kernels</title>', headers: { 'content-type': 'text/html', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } }));
    await page.goto('http://localhost:9/');
    // Cross-origin isolated: performance.now() in 5 us steps, not 100 us.
    if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the page is not cross-origin isolated: its timer is too coarse for 0.4 ms chunks');
    const payload = cases.map((c) => ({ ...c, bytes: Array.from(c.bytes) }));
    return await page.evaluate(({ payload, rounds }) => {
      let total = 0;
      const bases: number[] = [];
      for (const c of payload) {
        bases.push(total);
        total += Math.ceil(c.size / 64) * 64 + 4096;
      }
      const mem = new WebAssembly.Memory({ initial: Math.ceil(total / 65536) + 1 });
      const f = new Float32Array(mem.buffer);
      let seed = 1;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
      const runs = payload.map((c, i) => {
        for (const [off, len, scale] of c.regions) {
          const b = (bases[i] + off) >> 2;
          for (let k = 0; k < len; k++) f[b + k] = scale ? rnd() * scale : 0;
        }
        const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(c.bytes)), { env: { mem } });
        const run = inst.exports.run as (...a: number[]) => void;
        const a = c.args.map((v, k) => (c.rel[k] ? v + bases[i] : v));
        return (b: number, e: number) => run(...a, b, e);
      });
      // Warm-up (the first calls run the baseline compiler), then chunks of about 0.4 ms.
      const chunks = runs.map((r, i) => {
        for (let w = 0; w < 3; w++) r(0, payload[i].items);
        const t0 = performance.now();
        r(0, payload[i].items);
        const ms = performance.now() - t0;
        const n = Math.max(1, Math.min(payload[i].items, Math.round(ms / 0.4)));
        const out: [number, number][] = [];
        for (let k = 0; k < n; k++) out.push([Math.floor((k * payload[i].items) / n), Math.floor(((k + 1) * payload[i].items) / n)]);
        return out.filter(([b, e]) => e > b);
      });
      const mins = chunks.map((cs) => cs.map(() => Infinity));
      const whole: number[][] = payload.map(() => []);
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < runs.length; i++) {
          const t0 = performance.now();
          for (let k = 0; k < chunks[i].length; k++) {
            const t1 = performance.now();
            runs[i](chunks[i][k][0], chunks[i][k][1]);
            mins[i][k] = Math.min(mins[i][k], performance.now() - t1);
          }
          whole[i].push(performance.now() - t0);
        }
      }
      return payload.map((c, i) => {
        const s = whole[i].sort((a, b) => a - b);
        const minMs = mins[i].reduce((a, b) => a + b, 0);
        const medMs = s[Math.floor(s.length / 2)];
        return { name: c.name, minMs, medMs, gmacMin: c.macs / minMs / 1e6, gmacMed: c.macs / medMs / 1e6 };
      });
    }, { payload, rounds });
  } finally {
    await browser.close();
  }
}

/** The FMA ceiling's loop as a case: `form`, `acc` accumulators, about `steps` steps per item, 4 items. */
function ceilingCase(form: CeilingForm, acc: number, steps = 50_000): MicroCase {
  const iters = Math.round(steps / ceilingStepsPerIteration(form));
  return {
    name: `ceiling FMA, ${form} loop, ${acc} accumulators`, bytes: ceilingModule(true, acc, false, form), regions: [[0, CEILING_SCRATCH_BYTES / 4, 0.001]], args: [0, iters], rel: [true, false],
    items: 4, macs: 4 * acc * iters * ceilingStepsPerIteration(form) * 4, size: CEILING_SCRATCH_BYTES,
  };
}

const side = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/** A dense conv by the GEMM kernel as `wasm-conv.ts` plans it for one thread (the 3x3's input already padded). */
function gemmCase(name: string, node: ConvNode, batch: number, change: GemmChange = {}): MicroCase {
  const { inChannels: inC, outChannels: outC, kernel: k, stride, padding: pad } = node.conv;
  const [, h, w] = node.inShape;
  const ho = side(h, k, stride, pad);
  const wo = side(w, k, stride, pad);
  const hp = pad ? Math.max(h + 2 * pad, (ho - 1) * stride + k) : h;
  const wp = pad ? Math.max(w + 2 * pad, (wo - 1) * stride + k) : w;
  const mode: GemmConvShape['mode'] = k === 1 && stride === 1 && pad === 0 ? 'flat' : 'rows';
  const geometry = { mode, n: batch, hp, wp, inC, ho, wo, outC, k, stride };
  const { panelKiB, ...fixed } = change;
  const shape: GemmConvShape = { ...geometry, relu: true, residual: false, fma: true, ...gemmPlan(geometry, true, 1, panelKiB === undefined ? undefined : panelKiB * 1024), ...fixed };
  const xs = batch * hp * wp * inC;
  const ws = Math.ceil(outC / GEMM_NR) * (1 + k * k * inC) * GEMM_NR;
  const os = batch * ho * wo * outC;
  const X = 0, W = xs * 4 + 64, O = W + ws * 4 + 64, R = O + os * 4 + 64;
  return {
    name, bytes: gemmConvWasmBytes(shape, false), regions: [[X, xs, 1], [W, ws, 0.05]], args: [X, W, O, R], rel: [true, true, true, true],
    items: gemmItems(shape), macs: batch * ho * wo * outC * inC * k * k, size: R + os * 4 + 64,
  };
}

/** A grouped conv by the grouped kernel as `wasm-grouped.ts` plans it for one thread. */
function groupedCase(name: string, node: ConvNode, batch: number, change: Partial<WasmGroupedPlan> = {}): MicroCase {
  const { inChannels: inC, outChannels: outC, kernel: k, stride, padding: pad, groups } = node.conv;
  const [, h, w] = node.inShape;
  const ho = side(h, k, stride, pad);
  const wo = side(w, k, stride, pad);
  const cpg = inC / groups;
  const plan = { ...wasmGroupedPlan(outC / groups, groups, cpg, k, wo), parts: groupParts(batch * ho, groups, 1), ...change };
  const shape: KernelShape = { h, w, inC, ho, wo, outC, k, stride, pad, groups, relu: true, plan, fma: true };
  const xs = batch * h * w * inC;
  const ws = groups * plan.chunks * (k * k * cpg + 1) * plan.v * 4;
  const os = batch * ho * wo * outC;
  const X = groupedInputMargin(shape) + 64, W = X + xs * 4 + 64, O = W + ws * 4 + 64;
  return {
    name, bytes: groupedConvWasmBytes(shape, false), regions: [[X, xs, 1], [W, ws, 0.05]], args: [X, W, O], rel: [true, true, true],
    items: groupedItems(batch * ho, plan), macs: batch * ho * wo * outC * cpg * k * k, size: O + os * 4 + 64,
  };
}

type Kind = 'stem' | 'dense 1x1' | 'dense 3x3' | 'grouped 3x3';
const kindOf = (n: ConvNode): Kind => (n.stage === 0 ? 'stem' : n.conv.groups > 1 ? 'grouped 3x3' : n.conv.kernel === 1 ? 'dense 1x1' : 'dense 3x3');
const shapeKey = (n: ConvNode) => `${n.inShape.join('x')} -> ${n.conv.outChannels} k${n.conv.kernel} s${n.conv.stride} g${n.conv.groups}`;
const short = (model: string) => (model === 'resnet50' ? 'ResNet-50' : model === 'resnext50_32x4d' ? 'ResNeXt-50' : model);

async function main() {
  const cases: MicroCase[] = CEILING_FORMS.flatMap((form) => ACCUMULATORS.map((a) => ceilingCase(form, a)));
  const ceilings = cases.length;
  /** Per model: every conv layer with the case (distinct shape) that times it. */
  const layers = new Map<string, { node: ConvNode; key: string }[]>();
  const byKey = new Map<string, number>();
  for (const model of MODELS) {
    const list: { node: ConvNode; key: string }[] = [];
    for (const node of buildLayerGraph(presetConfig(model)).nodes) {
      if (node.kind !== 'conv') continue;
      const key = shapeKey(node);
      list.push({ node, key });
      if (byKey.has(key)) continue;
      const name = `${short(model)} ${node.name} ${key}`;
      if (FILTER && !name.includes(FILTER)) continue;
      byKey.set(key, cases.length);
      if (node.conv.groups === 1) GEMM_PLANS.forEach((change, i) => cases.push(gemmCase(i ? `${name} ${JSON.stringify(change)}` : name, node, BATCH, change)));
      else PLANS.forEach((change, i) => cases.push(groupedCase(i ? `${name} ${JSON.stringify(change)}` : name, node, BATCH, change)));
    }
    layers.set(model, list);
  }
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
  const cpuStart = cpuSnapshot();
  const results = await runMicro(cases, ROUNDS);
  const others = othersShare(cpuStart, cpuSnapshot());
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (k: string) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? '?';
  const cpu = `${field('model name')} (family ${field('cpu family')} model ${field('model')})`;
  const out = (s: string) => process.stdout.write(s + '\n');
  out(`${new Date().toISOString()}  ${cpu}, Chromium, one thread, batch ${BATCH}, ${ROUNDS} rounds; load average before: ${loadBefore}, after: ${readFileSync('/proc/loadavg', 'utf8').trim()}; other processes used ${others ? `${others.cores.toFixed(2)} cores over its ${others.seconds.toFixed(0)} s` : '? cores'}`);
  const ceiling = Math.max(...results.slice(0, ceilings).map((r) => r.gmacMin));
  out(`FMA ceiling, one thread: ${ceiling.toFixed(1)} GMAC/s (the best of the ${CEILING_FORMS.join(' and ')} loops with ${ACCUMULATORS.join(' and ')} accumulators)\n`);
  out(`${'kernel'.padEnd(72)} ${'min ms'.padStart(8)} ${'GMAC/s'.padStart(7)} ${'ceil'.padStart(5)}   ${'median ms'.padStart(9)} ${'GMAC/s'.padStart(7)}`);
  for (const r of results) out(`${r.name.padEnd(72)} ${r.minMs.toFixed(3).padStart(8)} ${r.gmacMin.toFixed(1).padStart(7)} ${((r.gmacMin / ceiling) * 100).toFixed(0).padStart(4)}%   ${r.medMs.toFixed(3).padStart(9)} ${r.gmacMed.toFixed(1).padStart(7)}`);
  if (FILTER) return;
  for (const [model, list] of layers) {
    // Per stage and kind: MACs and time of every layer (its shape's minimum).
    const sums = new Map<string, { macs: number; ms: number }>();
    let macsAll = 0, msAll = 0;
    for (const { node, key } of list) {
      const c = cases[byKey.get(key)!];
      const r = results[byKey.get(key)!];
      const k = `${node.stage} ${kindOf(node)}`;
      const s = sums.get(k) ?? { macs: 0, ms: 0 };
      s.macs += c.macs;
      s.ms += r.minMs;
      sums.set(k, s);
      macsAll += c.macs;
      msAll += r.minMs;
    }
    const rate = (k: string) => (sums.has(k) ? sums.get(k)!.macs / sums.get(k)!.ms / 1e6 : NaN);
    out(`\n${short(model)}, batch ${BATCH}, one thread: every conv ${msAll.toFixed(1)} ms, ${(macsAll / msAll / 1e6).toFixed(1)} GMAC/s = ${((macsAll / msAll / 1e6 / ceiling) * 100).toFixed(0)}% of the one-thread FMA ceiling`);
    for (let stage = 1; stage <= 4; stage++) {
      const one = rate(`${stage} dense 1x1`);
      const three = sums.has(`${stage} grouped 3x3`) ? 'grouped 3x3' : 'dense 3x3';
      const r3 = rate(`${stage} ${three}`);
      out(`  stage ${stage}: dense 1x1 ${one.toFixed(1)} GMAC/s (${((one / ceiling) * 100).toFixed(0)}%), ${three} ${r3.toFixed(1)} GMAC/s (${((r3 / ceiling) * 100).toFixed(0)}%) = ${((r3 / one) * 100).toFixed(0)}% of the 1x1 rate`);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
