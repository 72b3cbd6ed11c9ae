/**
 * `npm run bench`: ResNeXt-50 32x4d and ResNet-50, batch 1 at 224, median of >= 10 runs after a
 * warm-up, per tfjs backend in headless Chromium (through the app's own worker, production build)
 * and in Node, next to PyTorch CPU (Debian torch, same threads) and onnxruntime-web (wasm, same
 * threads, in the same page) measured in the same run; then grouped 3x3 vs dense 1x1 convs per stage.
 *   npm run bench [-- --runs 10 --all]      --all adds webgpu (SwiftShader: ~25 s a run) and cpu in the browser
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus } from 'node:os';
import { chromium, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs-core';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { useBackend } from '../src/model/tfjs/backends.ts';
import { buildNetwork } from '../src/model/tfjs/network.ts';
import { randomStateDict } from '../src/model/tfjs/random.ts';
import { loadWeightsFile } from '../src/model/weights/state_dict.ts';
import { encodeSafetensors } from './safetensors-writer.ts';

const args = process.argv.slice(2);
const RUNS = Math.max(10, Number(args[args.indexOf('--runs') + 1] ?? 10) || 10);
const ALL = args.includes('--all');
const PORT = 4391;
const WEIGHTS_PORT = 4392;
const MODELS = ['resnext50_32x4d', 'resnet50'] as const;
const LARGE = 'fixtures/large';
const THREADS = cpus().length;
const FLAGS = ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

type Row = { model: string; stack: string; ms: number | null; note?: string };
const rows: Row[] = [];
const log = (s: string) => process.stderr.write(s + '\n');

function weightsBytes(model: string): Uint8Array {
  const file = `${LARGE}/${model}.safetensors`;
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  return encodeSafetensors(randomStateDict(buildLayerGraph(presetConfig(model)), 1));
}

/**
 * Weights are served from a second origin (as the Hugging Face hub would serve them, with CORS):
 * Playwright's route.fulfill cannot carry a 100 MB body.
 */
function startWeightsServer(): Promise<Server> {
  const cache = new Map<string, Uint8Array>();
  const server = createServer((req, res) => {
    const file = (req.url ?? '').split('/').pop()!;
    const model = file.replace(/\.(safetensors|onnx)$/, '');
    if (!(MODELS as readonly string[]).includes(model) || (file.endsWith('.onnx') && !existsSync(`${LARGE}/${file}`))) {
      res.writeHead(404, { 'access-control-allow-origin': '*' }).end();
      return;
    }
    if (!cache.has(file)) cache.set(file, file.endsWith('.onnx') ? new Uint8Array(readFileSync(`${LARGE}/${file}`)) : weightsBytes(model));
    const body = cache.get(file)!;
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/octet-stream', 'content-length': String(body.byteLength) });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(WEIGHTS_PORT, '127.0.0.1', () => resolve(server)));
}

async function startPreview(): Promise<ChildProcess> {
  log('building the app with the e2e harness (vite build --mode e2e) ...');
  const b = spawnSync('npx', ['vite', 'build', '--mode', 'e2e'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) throw new Error('vite build failed');
  const p = spawn('npx', ['vite', 'preview', '--mode', 'e2e', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/e2e-harness.html`)).ok) return p;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('vite preview did not start');
}

async function browserBench(page: Page): Promise<void> {
  const backends = ALL ? ['wasm', 'webgl', 'webgpu', 'cpu'] : ['wasm', 'webgl'];
  for (const model of MODELS) {
    for (const backend of backends) {
      const r = await page.evaluate(async ({ backend, model, runs, origin }) => {
        const e = window.__engine;
        try {
          await e.setBackend(backend as 'wasm');
        } catch (err) {
          return { error: (err as Error).message };
        }
        await e.loadWeights({ url: `${origin}/${model}.safetensors` });
        const b = await e.benchmark(runs);
        const info = await e.info();
        return { ms: b.medianMs, p90: b.p90Ms, threads: info.wasmThreads, method: info.groupedMethod };
      }, { backend, model, runs: RUNS, origin: `http://127.0.0.1:${WEIGHTS_PORT}` });
      if ('error' in r) rows.push({ model, stack: `tfjs ${backend} (Chromium)`, ms: null, note: r.error });
      else rows.push({ model, stack: `tfjs ${backend} (Chromium)`, ms: r.ms, note: `p90 ${r.p90.toFixed(0)} ms, grouped: ${r.method}${r.threads ? `, ${r.threads} threads` : ''}` });
      log(`  ${model} tfjs ${backend}: ${'error' in r ? r.error : r.ms.toFixed(1) + ' ms'}`);
    }
    if (!ALL) rows.push({ model, stack: 'tfjs webgpu / cpu (Chromium)', ms: null, note: 'skipped: SwiftShader webgpu ~25 s a run, JS cpu similar; pass --all' });
  }
}

async function ortBench(page: Page): Promise<void> {
  for (const model of MODELS) {
    const onnx = `${LARGE}/${model}.onnx`;
    if (!existsSync(onnx)) {
      rows.push({ model, stack: 'onnxruntime-web wasm', ms: null, note: 'no ONNX export: run `npm run fixtures -- --large`' });
      continue;
    }
    const r = await page.evaluate(async ({ model, runs, threads, origin }) => {
      const ort = (window as unknown as { ort: any }).ort;
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.wasmPaths = '/__ort/';
      ort.env.wasm.proxy = false;
      const session = await ort.InferenceSession.create(`${origin}/${model}.onnx`, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      const x = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).map(() => Math.random()), [1, 3, 224, 224]);
      const feeds = { [session.inputNames[0]]: x };
      await session.run(feeds);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        times.push(performance.now() - t0);
      }
      await session.release();
      times.sort((a, b) => a - b);
      return (times[Math.floor((runs - 1) / 2)] + times[Math.floor(runs / 2)]) / 2;
    }, { model, runs: RUNS, threads: THREADS, origin: `http://127.0.0.1:${WEIGHTS_PORT}` });
    rows.push({ model, stack: 'onnxruntime-web wasm', ms: r, note: `${THREADS} threads, same page` });
    log(`  ${model} onnxruntime-web: ${r.toFixed(1)} ms`);
  }
}

async function layerBench(page: Page): Promise<{ stage: number; layer: string; kind: string; macs: number; ms: number; gmacPerS: number }[]> {
  return page.evaluate(async () => {
    const e = window.__engine;
    await e.setBackend('wasm');
    const config = { block: 'bottleneck', depths: [3, 4, 6, 3], cardinality: 32, widthPerGroup: 4, baseWidth: 64, stem: 'imagenet', input: [3, 224, 224], classes: 1000, includeTop: true } as const;
    const out = [];
    for (const stage of [1, 2, 3, 4]) {
      for (const t of await e.benchLayers({ ...config, depths: [...config.depths], input: [...config.input] }, stage, 10)) out.push({ stage, ...t });
    }
    return out;
  });
}

async function nodeBench(): Promise<void> {
  for (const model of MODELS) {
    const { stateDict } = loadWeightsFile(weightsBytes(model), `${model}.safetensors`);
    for (const backend of ALL ? (['wasm', 'cpu'] as const) : (['wasm'] as const)) {
      await useBackend(backend);
      const net = buildNetwork(buildLayerGraph(presetConfig(model)), stateDict);
      const x = tf.randomNormal([1, 3, 224, 224]) as tf.Tensor4D;
      const times: number[] = [];
      for (let i = 0; i <= (backend === 'cpu' ? 3 : RUNS); i++) {
        const t0 = performance.now();
        const y = net.predict(x);
        await y.data();
        y.dispose();
        if (i > 0) times.push(performance.now() - t0);
      }
      x.dispose();
      net.dispose();
      times.sort((a, b) => a - b);
      const ms = (times[Math.floor((times.length - 1) / 2)] + times[Math.floor(times.length / 2)]) / 2;
      const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
      rows.push({ model, stack: `tfjs ${backend} (Node)`, ms, note: backend === 'wasm' ? `${getThreadsCount()} thread(s)` : `${times.length} runs` });
      log(`  ${model} tfjs ${backend} (Node): ${ms.toFixed(1)} ms`);
    }
  }
  if (!ALL) for (const model of MODELS) rows.push({ model, stack: 'tfjs cpu (Node)', ms: null, note: 'skipped: pure JS, seconds a run; pass --all' });
}

function torchBench(): void {
  for (const model of MODELS) {
    const pth = `${LARGE}/${model}.pth`;
    const argv = ['bench/torch_time.py', '--model', model, '--threads', String(THREADS), '--runs', String(RUNS), ...(existsSync(pth) ? ['--weights', pth] : [])];
    const r = spawnSync('/usr/bin/python3', argv, { encoding: 'utf8' });
    if (r.status !== 0) {
      rows.push({ model, stack: 'PyTorch CPU', ms: null, note: `failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` });
      continue;
    }
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { medianMs: number; threads: number; torch: string };
    rows.push({ model, stack: 'PyTorch CPU', ms: j.medianMs, note: `torch ${j.torch}, ${j.threads} threads` });
    log(`  ${model} PyTorch: ${j.medianMs.toFixed(1)} ms`);
  }
}

async function main(): Promise<void> {
  const haveLarge = MODELS.every((m) => existsSync(`${LARGE}/${m}.safetensors`));
  if (!haveLarge) {
    log(`fixtures/large is missing: timing tfjs with random weights made here. For the PyTorch weights and the ONNX column run \`npm run fixtures -- --large\`.`);
  }
  log(`${THREADS} cores; ${RUNS} timed runs after a warm-up; batch 1, 3x224x224`);
  log('PyTorch ...');
  torchBench();
  const preview = await startPreview();
  const weightsServer = await startWeightsServer();
  const browser = await chromium.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined, args: FLAGS });
  let layers: Awaited<ReturnType<typeof layerBench>> = [];
  try {
    const page = await browser.newPage();
    await page.route(`http://127.0.0.1:${PORT}/__ort/**`, async (route) => {
      const file = `node_modules/onnxruntime-web/dist/${new URL(route.request().url()).pathname.replace('/__ort/', '')}`;
      const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('js') ? 'text/javascript' : 'application/octet-stream';
      await route.fulfill({ body: readFileSync(file), headers: { 'content-type': type, 'cross-origin-resource-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } });
    });
    await page.goto(`http://127.0.0.1:${PORT}/e2e-harness.html`);
    await page.waitForFunction(() => window.__engineReady === true);
    log('tfjs in headless Chromium ...');
    await browserBench(page);
    log('onnxruntime-web ...');
    if (haveLarge) {
      await page.addScriptTag({ url: '/__ort/ort.min.js' });
      await ortBench(page);
    } else {
      for (const model of MODELS) rows.push({ model, stack: 'onnxruntime-web wasm', ms: null, note: 'needs fixtures/large (npm run fixtures -- --large)' });
    }
    log('per-layer timings (wasm) ...');
    layers = await layerBench(page);
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid);
    weightsServer.close();
  }
  log('tfjs in Node ...');
  await nodeBench();

  const out: string[] = [];
  for (const model of MODELS) {
    const mine = rows.filter((r) => r.model === model);
    const torch = mine.find((r) => r.stack === 'PyTorch CPU')?.ms ?? null;
    const ortMs = mine.find((r) => r.stack === 'onnxruntime-web wasm')?.ms ?? null;
    out.push(`\n${model} (batch 1, 224x224, median of ${RUNS})`);
    out.push(`${'stack'.padEnd(30)} ${'ms'.padStart(9)} ${'x PyTorch'.padStart(10)} ${'x ORT-web'.padStart(10)}  notes`);
    for (const r of mine) {
      const ms = r.ms === null ? '-' : r.ms.toFixed(1);
      const vt = r.ms !== null && torch ? (r.ms / torch).toFixed(2) : '-';
      const vo = r.ms !== null && ortMs ? (r.ms / ortMs).toFixed(2) : '-';
      out.push(`${r.stack.padEnd(30)} ${ms.padStart(9)} ${vt.padStart(10)} ${vo.padStart(10)}  ${r.note ?? ''}`);
    }
  }
  out.push('\nResNeXt-50 32x4d on wasm (Chromium): grouped 3x3 vs dense 1x1 of the same block, real MACs');
  out.push(`${'stage'.padEnd(6)} ${'layer'.padEnd(18)} ${'kind'.padEnd(12)} ${'ms'.padStart(8)} ${'GMAC/s'.padStart(8)}`);
  for (const l of layers) out.push(`${String(l.stage).padEnd(6)} ${l.layer.padEnd(18)} ${l.kind.padEnd(12)} ${l.ms.toFixed(2).padStart(8)} ${l.gmacPerS.toFixed(1).padStart(8)}`);
  for (const stage of [1, 2, 3, 4]) {
    const s = layers.filter((l) => l.stage === stage);
    const g = s.find((l) => l.kind === 'grouped 3x3');
    const d = s.filter((l) => l.kind === 'dense 1x1');
    if (g && d.length) {
      const dense = d.reduce((a, l) => a + l.macs, 0) / d.reduce((a, l) => a + l.ms, 0) / 1e6;
      out.push(`stage ${stage}: grouped 3x3 at ${((g.gmacPerS / dense) * 100).toFixed(0)}% of the dense 1x1 GMAC/s`);
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
