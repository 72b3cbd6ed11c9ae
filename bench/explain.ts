/**
 * `npm run bench:explain`: how fast the Explain view gets its data, ResNeXt-50 32x4d (random weights),
 * batch 1 at 224, median of RUNS after a warm-up.
 *
 * 1. In headless Chromium, through the app's worker on wasm (production build): pulling the 256 maps
 *    of a 56x56 layer (`layer1`) to the page, with the layer already computed (the worker's cache: its
 *    encoding, the transfer, the page receiving it), for uint8, float16 and float32 payloads (float32,
 *    4 bytes a value, is the reference); the longest main-thread stall during a pull; and the whole
 *    request with the forward pass up to the layer.
 * 2. In Node (wasm): how a value hidden by BN folding / ReLU fusion is computed: the network prefix
 *    built with the node as a tap (no fusion past it, the rest folded) against the prefix built
 *    unfolded, build + run; and reading a value the network materialises (no build).
 *   npm run bench:explain [-- --runs 10]
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { median } from '../src/analysis/stats.ts';
import { startPreview } from './browser-measure.ts';
import * as tf from '@tensorflow/tfjs-core';
import { resolveTap } from '../src/model/explain.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { useBackend } from '../src/model/tfjs/backends.ts';
import { buildNetwork } from '../src/model/tfjs/network.ts';
import { normal, randomStateDict, rng } from '../src/model/tfjs/random.ts';
import { prefixGraph, runTaps } from '../src/model/tfjs/taps.ts';

const args = process.argv.slice(2);
const RUNS = Math.max(5, Number(args[args.indexOf('--runs') + 1] ?? 10) || 10);
const PORT = 4407;
const MODEL = 'resnext50_32x4d';
const LAYER = 'layer1';
const FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const log = (s: string) => process.stderr.write(s + '\n');

interface PullTimes { encoding: string; pullMs: number; stallMs: number; bytes: number }

async function browserBench(): Promise<{ pulls: PullTimes[]; requestMs: number; forwardMs: number; channels: number; side: number; threads: number | null }> {
  const preview = await startPreview(PORT, { page: '/e2e-harness.html' });
  const browser = await chromium.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined, args: FLAGS });
  try {
    const page = await browser.newPage();
    // tsx (esbuild, keepNames) wraps the named functions of the evaluated code in __name().
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(`http://127.0.0.1:${PORT}/e2e-harness.html`);
    await page.waitForFunction(() => window.__engineReady === true);
    return await page.evaluate(async ({ config, layer, runs }) => {
      const e = window.__engine;
      await e.setBackend('wasm');
      await e.loadRandomWeights(config, 1);
      const x = new Float32Array(3 * 224 * 224);
      for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 1.5;
      await e.explainInput(x, [1, 3, 224, 224], 5);
      const med = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      };
      // The main thread's longest gap between timer ticks while a request is in flight.
      const stall = async <T>(f: () => Promise<T>): Promise<{ value: T; ms: number; stall: number }> => {
        let last = performance.now();
        let worst = 0;
        const tick = setInterval(() => {
          const now = performance.now();
          worst = Math.max(worst, now - last);
          last = now;
        }, 1);
        const t0 = performance.now();
        const value = await f();
        const ms = performance.now() - t0;
        clearInterval(tick);
        worst = Math.max(worst, performance.now() - last);
        return { value, ms, stall: worst };
      };
      const first = await e.explainLayer(layer, 'uint8');
      const pulls = [];
      for (const encoding of ['uint8', 'float16', 'float32'] as const) {
        await e.explainLayer(layer, encoding);
        const times: number[] = [];
        const stalls: number[] = [];
        let bytes = 0;
        for (let i = 0; i < runs; i++) {
          const r = await stall(() => e.explainLayer(layer, encoding));
          times.push(r.ms);
          stalls.push(r.stall);
          bytes = r.value.data.byteLength;
        }
        pulls.push({ encoding, pullMs: med(times), stallMs: Math.max(...stalls), bytes });
      }
      // The whole request: a new input each time, so the forward pass up to the layer runs.
      const req: number[] = [];
      const fwd: number[] = [];
      for (let i = 0; i < runs; i++) {
        x[i] += 1e-3;
        const t0 = performance.now();
        await e.explainInput(x, [1, 3, 224, 224], 5);
        fwd.push(performance.now() - t0);
        const t1 = performance.now();
        await e.explainLayer(layer, 'uint8');
        req.push(performance.now() - t1);
      }
      const info = await e.info();
      return { pulls, requestMs: med(req), forwardMs: med(fwd), channels: first.channels, side: first.height, threads: info.wasmThreads };
    }, { config: presetConfig(MODEL), layer: LAYER, runs: RUNS });
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid);
  }
}

async function nodeBench(): Promise<string[]> {
  await useBackend('wasm');
  const config = presetConfig(MODEL);
  const graph = buildLayerGraph(config);
  const sd = randomStateDict(graph, 1);
  const net = buildNetwork(graph, sd);
  const x = tf.tensor4d(normal(rng(2), 3 * 224 * 224), [1, 3, 224, 224]);
  const out: string[] = [];
  const time = async (f: () => tf.Tensor[]): Promise<{ ms: number; data: Float32Array }> => {
    const t0 = performance.now();
    const ts = f();
    const data = (await ts[0].data()) as Float32Array;
    const ms = performance.now() - t0;
    ts.forEach((t) => t.dispose());
    return { ms, data };
  };
  out.push(`\nNode, tfjs wasm (1 thread), ${MODEL}: a value hidden by BN folding / ReLU fusion, build + run, median of ${RUNS} (ms)`);
  out.push(`${'layer'.padEnd(16)} ${'block alone'.padStart(12)} ${'prefix, tap'.padStart(12)} ${'prefix, unfolded'.padStart(17)} ${'max |diff|'.padStart(11)}   read where the network materialises it`);
  for (const [hidden, shown] of [['layer1.0.bn1', 'layer1.0.relu:1'], ['layer3.0.conv2', 'layer3.0.relu:2'], ['layer4.2.add', 'layer4.2.relu:3']]) {
    const target = resolveTap(graph, hidden);
    const prefix = prefixGraph(graph, target.node);
    const prefixRun = (fold: boolean) => () => {
      const n = buildNetwork(prefix, sd, { fold, taps: [target.node] });
      try {
        return n.predictTaps(x, [target.node], false).taps;
      } finally {
        n.dispose();
      }
    };
    const times: number[][] = [[], [], [], []];
    let diff = 0;
    let scale = 0;
    for (let i = 0; i <= RUNS; i++) {
      const r = [
        await time(() => runTaps(net, sd, x, [target], false).taps),
        await time(prefixRun(true)),
        await time(prefixRun(false)),
        await time(() => runTaps(net, sd, x, [resolveTap(graph, shown)], false).taps),
      ];
      if (i === 0) {
        for (let j = 0; j < r[0].data.length; j++) {
          diff = Math.max(diff, Math.abs(r[0].data[j] - r[2].data[j]));
          scale = Math.max(scale, Math.abs(r[2].data[j]));
        }
        continue;
      }
      r.forEach((t, k) => times[k].push(t.ms));
    }
    const [a, b, c, d] = times.map(median);
    out.push(`${hidden.padEnd(16)} ${a.toFixed(1).padStart(12)} ${b.toFixed(1).padStart(12)} ${c.toFixed(1).padStart(17)} ${diff.toExponential(1).padStart(11)}   ${shown}: ${d.toFixed(1)} (values up to ${scale.toExponential(1)})`);
  }
  out.push('block alone: the block holding the node built with it as a tap, fed with the block input the network computes (what the engine does); diff: against the unfolded prefix');
  x.dispose();
  net.dispose();
  return out;
}

async function main(): Promise<void> {
  log(`${MODEL}, random weights, batch 1, 3x224x224; ${RUNS} timed runs after a warm-up`);
  const b = await browserBench();
  const out: string[] = [];
  out.push(`\nChromium, tfjs wasm (${b.threads ?? '?'} threads), ${MODEL}: the ${b.channels} maps of ${LAYER} (${b.side}x${b.side}) to the page, median of ${RUNS}`);
  out.push(`${'payload'.padEnd(8)} ${'bytes'.padStart(10)} ${'pull ms'.padStart(9)} ${'x float32'.padStart(10)} ${'longest main-thread stall ms'.padStart(29)}`);
  const ref = b.pulls.find((p) => p.encoding === 'float32')!.pullMs;
  for (const p of b.pulls) out.push(`${p.encoding.padEnd(8)} ${String(p.bytes).padStart(10)} ${p.pullMs.toFixed(1).padStart(9)} ${(p.pullMs / ref).toFixed(2).padStart(10)} ${p.stallMs.toFixed(1).padStart(29)}`);
  out.push(`pull = the layer already computed in the worker: per-map statistics and encoding there, transfer, arrival on the page (target < 100 ms)`);
  out.push(`a new input's overview (forward pass, top-5, 5 CAMs): ${b.forwardMs.toFixed(1)} ms; then ${LAYER} as uint8 maps, forward up to it included: ${b.requestMs.toFixed(1)} ms`);
  out.push(...(await nodeBench()));
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
