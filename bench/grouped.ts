/**
 * `npx tsx bench/grouped.ts [--runs 10] [--methods depthwise,kernel] [--network] [--browser]`:
 * ResNeXt-50 32x4d on the tfjs wasm backend: per stage, the grouped 3x3 conv (conv2 of block 1) by
 * each method against the dense 1x1 convs of the same block (conv1, conv3), median of >= 10 runs,
 * GMAC/s of real MACs (each timing includes reading the output back, as `benchLayers` does).
 * --network adds the whole network (batch 1, 224x224, random weights) per method in Node. In Node
 * a second table times the same convs without the read-back (wasm ops run synchronously).
 * In Node (1 thread), and with --browser also in headless Chromium through the app's worker
 * (production build into a temporary folder, cross-origin isolated: every core).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import * as tf from '@tensorflow/tfjs-core';
import { buildLayerGraph, convNode } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { useBackend, wasmThreadsInUse } from '../src/model/tfjs/backends.ts';
import type { NetworkConfig } from '../src/model/config.ts';
import { disposePrepared, prepareConv, runConv, type GroupedMethod } from '../src/model/tfjs/grouped.ts';
import { benchLayers, type LayerTiming } from './layer-bench.ts';
import { buildNetwork } from '../src/model/tfjs/network.ts';
import { normal, randomStateDict, rng } from '../src/model/tfjs/random.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const RUNS = Math.max(10, Number(arg('--runs', '10')) || 10);
const METHODS = arg('--methods', 'depthwise,kernel').split(',') as GroupedMethod[];
const BROWSER = args.includes('--browser');
const NETWORK = args.includes('--network');
const PORT = Number(arg('--port', '4396'));

function report(stage: number, method: string, t: LayerTiming[]): void {
  const g = t.find((l) => l.kind === 'grouped 3x3')!;
  const d = t.filter((l) => l.kind === 'dense 1x1');
  const dense = d.reduce((a, l) => a + l.macs, 0) / d.reduce((a, l) => a + l.ms, 0) / 1e6;
  process.stdout.write(`${String(stage).padEnd(6)} ${method.padEnd(10)} ${g.ms.toFixed(2).padStart(10)} ${g.gmacPerS.toFixed(1).padStart(7)} ${dense.toFixed(1).padStart(10)} ${((g.gmacPerS / dense) * 100).toFixed(0).padStart(5)}%\n`);
}

/** Like `benchLayers`, without `data()`: on wasm every op has finished when runConv returns. */
function computeOnly(config: NetworkConfig, stage: number, method: GroupedMethod): LayerTiming[] {
  const graph = buildLayerGraph(config);
  const next = rng(5);
  return ['conv1', 'conv2', 'conv3'].map((c) => {
    const node = convNode(graph, `layer${stage}.1.${c}`);
    const spec = node.conv;
    const [ch, h, w] = node.inShape;
    const p = prepareConv(normal(next, spec.outChannels * (spec.inChannels / spec.groups) * spec.kernel ** 2, 0.1), normal(next, spec.outChannels), spec, method);
    const x = tf.tensor4d(normal(next, ch * h * w), [1, h, w, ch]);
    const times: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      runConv(x, p, true).dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
    x.dispose();
    disposePrepared(p);
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const [, ho, wo] = node.outShape;
    const macs = ho * wo * spec.outChannels * (spec.inChannels / spec.groups) * spec.kernel ** 2;
    return { layer: node.name, kind: spec.groups > 1 ? 'grouped 3x3' : 'dense 1x1', macs, ms, gmacPerS: macs / ms / 1e6 };
  });
}

const HEADER = `${'stage'.padEnd(6)} ${'method'.padEnd(10)} ${'grouped ms'.padStart(10)} ${'GMAC/s'.padStart(7)} ${'1x1 GMAC/s'.padStart(10)} ${'ratio'.padStart(6)}\n`;

async function browser(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'grouped-bench-'));
  try {
    const b = spawnSync('npx', ['vite', 'build', '--mode', 'e2e', '--outDir', out, '--emptyOutDir'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (b.status !== 0) throw new Error('vite build failed');
    const preview = spawn('npx', ['vite', 'preview', '--mode', 'e2e', '--outDir', out, '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
    const chrome = await chromium.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined });
    try {
      for (let i = 0; ; i++) {
        try {
          if ((await fetch(`http://127.0.0.1:${PORT}/e2e-harness.html`)).ok) break;
        } catch {
          if (i > 100) throw new Error('vite preview did not start');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const page = await chrome.newPage();
      await page.goto(`http://127.0.0.1:${PORT}/e2e-harness.html`);
      await page.waitForFunction(() => window.__engineReady === true);
      const threads = await page.evaluate(async () => {
        await window.__engine.setBackend('wasm');
        return (await window.__engine.info()).wasmThreads;
      });
      process.stdout.write(`\ntfjs wasm (headless Chromium, production build), ${threads} thread(s), median of ${RUNS}\n${HEADER}`);
      const config = presetConfig('resnext50_32x4d');
      for (const stage of [1, 2, 3, 4]) {
        for (const method of METHODS) {
          const t = await page.evaluate(async ({ config, stage, method, runs }) => {
            await window.__engine.setGroupedMethod(method);
            return window.__engine.benchLayers(config, stage, runs);
          }, { config, stage, method, runs: RUNS });
          report(stage, method, t);
        }
      }
    } finally {
      await chrome.close();
      if (preview.pid) process.kill(-preview.pid);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await useBackend('wasm');
  const config = presetConfig('resnext50_32x4d');
  process.stdout.write(`tfjs wasm (Node), ${await wasmThreadsInUse()} thread(s), median of ${RUNS}\n${HEADER}`);
  for (const stage of [1, 2, 3, 4]) {
    for (const method of METHODS) report(stage, method, await benchLayers(config, stage, method, RUNS));
  }
  process.stdout.write(`\nthe same, compute only (no read-back of the output)\n${HEADER}`);
  for (const stage of [1, 2, 3, 4]) {
    for (const method of METHODS) report(stage, method, computeOnly(config, stage, method));
  }
  if (NETWORK) {
    const graph = buildLayerGraph(config);
    const sd = randomStateDict(graph, 1);
    const x = tf.randomNormal([1, 3, 224, 224]) as tf.Tensor4D;
    for (const method of METHODS) {
      const net = buildNetwork(graph, sd, { grouped: method });
      const times: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const t0 = performance.now();
        const y = net.predict(x);
        await y.data();
        y.dispose();
        if (i > 0) times.push(performance.now() - t0);
      }
      net.dispose();
      times.sort((a, b) => a - b);
      process.stdout.write(`whole network, grouped ${method}: ${times[Math.floor(times.length / 2)].toFixed(1)} ms (median of ${RUNS})\n`);
    }
    x.dispose();
  }
  if (BROWSER) await browser();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
