/**
 * `npm run bench`: ResNeXt-50 32x4d and ResNet-50 at 224x224, median of >= 10 runs after a warm-up,
 * batch 1 and batch 8, all in the same run: tfjs in headless Chromium (the app's engine code in its
 * worker, `vite build --mode e2e`), onnxruntime-web (wasm, same threads, same page), PyTorch CPU
 * (Debian torch, same threads) and tfjs-wasm in Node. Also the machine's measured WASM SIMD ceiling
 * (mul + add and FMA, one thread and every thread, at the start and at the end), every row's GMAC/s
 * as a share of it, where the network's time goes (every op timed, summed by kind), each distinct
 * conv shape by XNNPACK and by the own kernels, grouped 3x3 against dense 1x1 per stage, whether the
 * run was calm, and whether the targets of docs/benchmarks-speed.md hold.
 *   npm run bench [-- --runs 10 --all]      --all adds webgpu (SwiftShader: ~25 s a run) and cpu in the browser
 *   npm run bench -- --targets              only what the Targets lines need (the ceiling, tfjs wasm in
 *                                           Chromium, its ops and conv shapes): no PyTorch, webgl, ORT, Node
 *   --wait-quiet 180                        seconds to wait at most, before starting, until other processes
 *                                           use under 0.1 core (5 s samples); 0: start at once
 *   --quiet-cores 0.1                       other processes' CPU under which a run counts as calm
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus } from 'node:os';
import { chromium, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs-core';
import { totalMacs } from '../src/analysis/counts.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { useBackend } from '../src/model/tfjs/backends.ts';
import { buildNetwork } from '../src/model/tfjs/network.ts';
import { randomStateDict } from '../src/model/tfjs/random.ts';
import { openWeights } from '../src/model/weights/open.ts';
import type { ConvShapeTiming } from './conv-bench.ts';
import { layerCategory } from '../src/analysis/roofline.ts';
import type { OpTiming } from '../src/model/tfjs/network.ts';
import { encodeSafetensors } from './safetensors-writer.ts';
import { startPreview } from './browser-measure.ts';
import { cpuSnapshot, othersShare, waitForQuiet, type OthersShare } from './cpu-share.ts';
import type { CeilingResult } from '../test/support/harness/protocol.ts';

const args = process.argv.slice(2);
const RUNS = Math.max(10, Number(args[args.indexOf('--runs') + 1] ?? 10) || 10);
const ALL = args.includes('--all');
const TARGETS_ONLY = args.includes('--targets');
const WAIT_QUIET_S = args.includes('--wait-quiet') ? Number(args[args.indexOf('--wait-quiet') + 1]) : 180;
/**
 * Other processes' CPU, in cores, under which the machine counts as quiet: an idle one of this project's showed about
 * 0.04 (kernel threads 0.034, the rest idle servers), 2026-12-07 (`--quiet-cores X` where a machine's idle floor is higher).
 */
const QUIET_CORES = args.includes('--quiet-cores') ? Number(args[args.indexOf('--quiet-cores') + 1]) : 0.1;
const BATCH = 8;
const PORT = 4391;
const WEIGHTS_PORT = 4392;
const MODELS = ['resnext50_32x4d', 'resnet50'] as const;
const LARGE = 'fixtures/large';
const THREADS = cpus().length;
const FLAGS = ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
/** MACs per image (conv + fc, the paper's count). */
const MACS = Object.fromEntries(MODELS.map((m) => [m, totalMacs(buildLayerGraph(presetConfig(m)))])) as Record<(typeof MODELS)[number], number>;

type Row = { model: string; stack: string; batch: number; ms: number | null; browser?: boolean; note?: string };
const rows: Row[] = [];
/** Every op of the network on wasm in Chromium, per model and batch (median of the runs). */
const opTimes: Record<string, Record<number, OpTiming[]>> = {};
const log = (s: string) => process.stderr.write(s + '\n');

/** The CPU as the kernel reports it: model name, family / model numbers, cores, SIMD flags. */
function cpuDescription(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (k: string) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? '?';
    const flags = field('flags').split(' ');
    const simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)).join(' ');
    return `${field('model name')} (${field('vendor_id')} family ${field('cpu family')} model ${field('model')}), ${THREADS} cores, ${simd}`;
  } catch {
    return `${cpus()[0]?.model ?? 'unknown CPU'}, ${THREADS} cores`;
  }
}

function weightsBytes(model: string): Uint8Array {
  const file = `${LARGE}/${model}.safetensors`;
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  return encodeSafetensors(randomStateDict(buildLayerGraph(presetConfig(model)), 1));
}

/** fixtures/large/<model>.dyn.onnx: the ONNX export with a dynamic batch axis (for batch 8), made here once. */
function dynamicOnnx(model: string): string | null {
  const file = `${LARGE}/${model}.dyn.onnx`;
  if (existsSync(file)) return file;
  const pth = `${LARGE}/${model}.pth`;
  if (!existsSync(pth)) return null;
  const r = spawnSync('/usr/bin/python3', ['bench/torch_time.py', '--model', model, '--weights', pth, '--export-onnx', file], { encoding: 'utf8' });
  return r.status === 0 && existsSync(file) ? file : null;
}

/**
 * Weights are served from a second origin (as the Hugging Face hub would serve them, with CORS):
 * Playwright's route.fulfill cannot carry a 100 MB body.
 */
function startWeightsServer(): Promise<Server> {
  const cache = new Map<string, Uint8Array>();
  // Made before serving: seeded random weights take seconds to make, and a response that sends nothing for
  // 30 s is a stalled download to the engine (on a loaded machine the first request ran into that).
  for (const model of MODELS) cache.set(`${model}.safetensors`, weightsBytes(model));
  const server = createServer((req, res) => {
    const file = (req.url ?? '').split('/').pop()!;
    const model = file.replace(/(\.dyn)?\.(safetensors|onnx)$/, '');
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

async function ceilingBench(page: Page): Promise<CeilingResult> {
  return page.evaluate(async () => {
    await window.__engine.setBackend('wasm');
    return window.__engine.simdCeiling();
  });
}

async function browserBench(page: Page): Promise<void> {
  const backends = TARGETS_ONLY ? ['wasm'] : ALL ? ['wasm', 'webgl', 'webgpu', 'cpu'] : ['wasm', 'webgl'];
  for (const model of MODELS) {
    for (const backend of backends) {
      const r = await page.evaluate(async ({ backend, model, runs, origin, batch }) => {
        const e = window.__engine;
        try {
          await e.setBackend(backend as 'wasm');
        } catch (err) {
          return { error: (err as Error).message };
        }
        await e.loadWeights({ url: `${origin}/${model}.safetensors` });
        // The ops first: their runs are also the forward passes' warm-up (every kernel compiled and tiered up).
        const ops = backend === 'wasm' ? { 1: await e.timeLoadedOps(1, runs), [batch]: await e.timeLoadedOps(batch, Math.max(3, Math.ceil(runs / 2))) } : null;
        const b = await e.benchmark(runs);
        const b8 = backend === 'wasm' ? await e.benchBatch(batch, runs) : null;
        const info = await e.info();
        return { ms: b.medianMs, p90: b.p90Ms, b8: b8?.medianMs ?? null, ops, threads: info.wasmThreads, method: info.groupedMethod, kernels: info.wasmKernels };
      }, { backend, model, runs: RUNS, origin: `http://127.0.0.1:${WEIGHTS_PORT}`, batch: BATCH });
      const stack = `tfjs ${backend} (Chromium)`;
      if ('error' in r) {
        rows.push({ model, stack, batch: 1, ms: null, note: r.error });
        log(`  ${model} tfjs ${backend}: ${r.error}`);
        continue;
      }
      if (r.ops) opTimes[model] = r.ops;
      const kernels = r.kernels ? `, own kernels ${r.kernels.fma ? 'FMA' : 'mul+add'} on ${r.kernels.threads} threads` : '';
      rows.push({ model, stack, batch: 1, ms: r.ms, browser: true, note: `p90 ${r.p90.toFixed(0)} ms, grouped: ${r.method}${r.threads ? `, ${r.threads} threads` : ''}${kernels}` });
      if (r.b8 !== null) rows.push({ model, stack, batch: BATCH, ms: r.b8, browser: true, note: `${r.threads} threads` });
      log(`  ${model} tfjs ${backend}: ${r.ms.toFixed(1)} ms${r.b8 !== null ? `, batch ${BATCH}: ${r.b8.toFixed(1)} ms` : ''}`);
    }
    if (!ALL && !TARGETS_ONLY) rows.push({ model, stack: 'tfjs webgpu / cpu (Chromium)', batch: 1, ms: null, note: 'skipped: SwiftShader webgpu ~25 s a run, JS cpu similar; pass --all' });
  }
}

async function ortBench(page: Page): Promise<void> {
  for (const model of MODELS) {
    for (const batch of [1, BATCH]) {
      const onnx = batch === 1 ? `${LARGE}/${model}.onnx` : dynamicOnnx(model);
      if (!onnx || !existsSync(onnx)) {
        rows.push({ model, stack: 'onnxruntime-web wasm', batch, ms: null, note: batch === 1 ? 'no ONNX export: run `npm run fixtures:large`' : 'no dynamic-batch ONNX export (needs torch and fixtures/large)' });
        continue;
      }
      const r = await page.evaluate(async ({ file, runs, threads, origin, batch }) => {
        const ort = (window as unknown as { ort: any }).ort;
        ort.env.wasm.numThreads = threads;
        ort.env.wasm.wasmPaths = '/__ort/';
        ort.env.wasm.proxy = false;
        const session = await ort.InferenceSession.create(`${origin}/${file}`, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
        const x = new ort.Tensor('float32', new Float32Array(batch * 3 * 224 * 224).map(() => Math.random()), [batch, 3, 224, 224]);
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
      }, { file: onnx.split('/').pop()!, runs: RUNS, threads: THREADS, origin: `http://127.0.0.1:${WEIGHTS_PORT}`, batch });
      rows.push({ model, stack: 'onnxruntime-web wasm', batch, ms: r, browser: true, note: `${THREADS} threads, same page` });
      log(`  ${model} onnxruntime-web batch ${batch}: ${r.toFixed(1)} ms`);
    }
  }
}

async function convShapeBench(page: Page, model: string): Promise<ConvShapeTiming[]> {
  return page.evaluate(async ({ config, runs }) => {
    const e = window.__engine;
    await e.setBackend('wasm');
    return e.benchConvShapes(config, runs, 1);
  }, { config: presetConfig(model), runs: RUNS });
}

async function nodeBench(): Promise<void> {
  for (const model of MODELS) {
    const stateDict = openWeights(weightsBytes(model), `${model}.safetensors`).read();
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
      rows.push({ model, stack: `tfjs ${backend} (Node)`, batch: 1, ms, note: backend === 'wasm' ? `${getThreadsCount()} thread(s)` : `${times.length} runs` });
      log(`  ${model} tfjs ${backend} (Node): ${ms.toFixed(1)} ms`);
    }
  }
  if (!ALL) for (const model of MODELS) rows.push({ model, stack: 'tfjs cpu (Node)', batch: 1, ms: null, note: 'skipped: pure JS, seconds a run; pass --all' });
}

function torchBench(): void {
  for (const model of MODELS) {
    for (const batch of [1, BATCH]) {
      const pth = `${LARGE}/${model}.pth`;
      const argv = ['bench/torch_time.py', '--model', model, '--threads', String(THREADS), '--runs', String(RUNS), '--batch', String(batch), ...(existsSync(pth) ? ['--weights', pth] : [])];
      const r = spawnSync('/usr/bin/python3', argv, { encoding: 'utf8' });
      if (r.status !== 0) {
        rows.push({ model, stack: 'PyTorch CPU', batch, ms: null, note: `failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` });
        continue;
      }
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { medianMs: number; threads: number; torch: string };
      rows.push({ model, stack: 'PyTorch CPU', batch, ms: j.medianMs, note: `torch ${j.torch}, ${j.threads} threads` });
      log(`  ${model} PyTorch batch ${batch}: ${j.medianMs.toFixed(1)} ms`);
    }
  }
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** Per stage: the grouped 3x3 convs' GMAC/s against the dense 1x1 convs' (each by the method the network uses). */
function stageRatios(shapes: ConvShapeTiming[]): { stage: number; grouped: number; dense: number }[] {
  const out: { stage: number; grouped: number; dense: number }[] = [];
  const speed = (rs: ConvShapeTiming[]) => {
    let macs = 0;
    let ms = 0;
    for (const r of rs) {
      const m = r.methods.find((x) => x.method === r.chosen)!;
      macs += r.macs * r.count;
      ms += m.medianMs * r.count;
    }
    return macs / ms / 1e6;
  };
  for (const stage of [1, 2, 3, 4]) {
    const g = shapes.filter((r) => r.stage === stage && r.kind === 'grouped 3x3');
    const d = shapes.filter((r) => r.stage === stage && r.kind === 'dense 1x1');
    if (g.length && d.length) out.push({ stage, grouped: speed(g), dense: speed(d) });
  }
  return out;
}

function loadAverage(): number | null {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/**
 * Whether a run was calm: other processes used under QUIET_CORES over the browser measurements (from the first
 * ceiling to the last: every tfjs wasm timing lies between), measured from /proc (where that cannot be read, the
 * load average before the run under 1 instead), and every ceiling measurement (mul + add and FMA, start and end)
 * on all threads at least 85% of the one-thread figure times the threads.
 */
function calmVerdict(others: OthersShare | null, loadBefore: number | null, ceilings: (CeilingResult | null)[]): { calm: boolean; reasons: string[] } {
  const reasons: string[] = [];
  let calm = true;
  if (others) {
    reasons.push(`other processes used ${others.cores.toFixed(2)} cores over the ${others.seconds.toFixed(0)} s of browser measurements${others.cores < QUIET_CORES ? '' : ` (>= ${QUIET_CORES}: busy)`}`);
    if (others.cores >= QUIET_CORES) calm = false;
  } else if (loadBefore === null) {
    reasons.push('neither the other processes\' CPU nor the load average could be read');
    calm = false;
  } else {
    reasons.push(`other processes' CPU unknown; load average before ${loadBefore.toFixed(2)}${loadBefore < 1 ? '' : ' (>= 1: busy)'}`);
    if (loadBefore >= 1) calm = false;
  }
  for (const [when, c] of [['start', ceilings[0]], ['end', ceilings[1]]] as const) {
    if (!c) {
      reasons.push(`no ceiling at the ${when}`);
      calm = false;
      continue;
    }
    for (const [name, x] of [['mul + add', c.mulAdd], ['FMA', c.fma]] as const) {
      if (!x || c.threads < 2) continue;
      const scaling = x.allThreads / x.oneThread;
      if (scaling < 0.85 * c.threads) {
        calm = false;
        reasons.push(`${name} ceiling at the ${when}: ${c.threads} threads ${scaling.toFixed(2)}x one (< ${(0.85 * c.threads).toFixed(2)}: a core was taken)`);
      }
    }
  }
  if (calm) reasons.push(`every ceiling on ${ceilings[0]?.threads ?? '?'} threads >= ${(0.85 * (ceilings[0]?.threads ?? 0)).toFixed(2)}x one thread, at the start and at the end`);
  return { calm, reasons };
}

/** Where the network's time goes on wasm: every op (median ms), summed by kind and stage. */
function opTable(model: string, batch: number, ops: OpTiming[], fmaAll: number | null, forwardMs: number | null): string[] {
  const graph = buildLayerGraph(presetConfig(model));
  const kinds = new Map<string, { ms: number; macs: number; n: number }>();
  let total = 0;
  for (const o of ops) {
    const node = graph.nodes[o.first];
    let kind: string = layerCategory(node);
    if (node.kind === 'conv' && node.name.includes('downsample')) kind = 'shortcut 1x1';
    if (node.kind === 'maxpool') kind = 'max pool';
    if (node.kind === 'adaptiveavgpool') kind = 'global avg pool';
    if (o.first !== o.last && graph.nodes.slice(o.first, o.last + 1).some((n) => n.kind === 'add')) kind += ' + add';
    const key = `${node.stage === 0 ? 'stem ' : node.stage > graph.stages.length - 1 ? 'head ' : `stage ${node.stage}`} ${kind}`;
    const macs = node.kind === 'conv' || node.kind === 'linear' ? batch * (node.kind === 'conv' ? node.outShape[1] * node.outShape[2] * node.conv.outChannels * (node.conv.inChannels / node.conv.groups) * node.conv.kernel ** 2 : node.linear.inFeatures * node.linear.outFeatures) : 0;
    const k = kinds.get(key) ?? { ms: 0, macs: 0, n: 0 };
    k.ms += o.ms;
    k.macs += macs;
    k.n++;
    kinds.set(key, k);
    total += o.ms;
  }
  const gap = forwardMs === null ? 0 : forwardMs - total;
  const outside = forwardMs === null ? '' : `; the forward pass ${forwardMs.toFixed(1)} ms (median), ${Math.abs(gap).toFixed(1)} ms ${gap >= 0 ? 'more: the input transpose, the read-back, and what the per-op medians leave out (an op\'s slow runs)' : 'less'}`;
  const out = [`${model} on wasm (Chromium), batch ${batch}: every op timed (median), summed by kind; ${total.toFixed(1)} ms in all${outside}`];
  out.push(`${'stage / kind'.padEnd(34)} ${'ops'.padStart(4)} ${'ms'.padStart(8)} ${'share'.padStart(6)} ${'GMAC/s'.padStart(7)} ${'% FMA'.padStart(6)}`);
  for (const [key, k] of kinds) {
    const g = k.macs ? k.macs / k.ms / 1e6 : null;
    out.push(`${key.padEnd(34)} ${String(k.n).padStart(4)} ${k.ms.toFixed(2).padStart(8)} ${pct(k.ms / total).padStart(6)} ${(g === null ? '-' : g.toFixed(1)).padStart(7)} ${(g !== null && fmaAll ? pct(g / fmaAll) : '-').padStart(6)}`);
  }
  return out;
}

async function main(): Promise<void> {
  const haveLarge = MODELS.every((m) => existsSync(`${LARGE}/${m}.safetensors`));
  if (!haveLarge) {
    log(`fixtures/large is missing: timing tfjs with random weights made here (random-init networks can drive activations into slow subnormals). For the PyTorch weights and the ONNX column run \`npm run fixtures:large\`.`);
  }
  if (!(WAIT_QUIET_S >= 0)) throw new Error(`--wait-quiet takes the most seconds to wait (0: none), got ${JSON.stringify(args[args.indexOf('--wait-quiet') + 1])}`);
  if (!(QUIET_CORES > 0 && QUIET_CORES < 1)) throw new Error(`--quiet-cores takes other processes' CPU in cores, above 0 and under 1, got ${JSON.stringify(args[args.indexOf('--quiet-cores') + 1])}`);
  const cpu = cpuDescription();
  let waited = '';
  if (WAIT_QUIET_S > 0) {
    log(`waiting (at most ${WAIT_QUIET_S} s) until other processes use under ${QUIET_CORES} core ...`);
    const w = await waitForQuiet(WAIT_QUIET_S, QUIET_CORES);
    waited = w.last ? `${w.quiet ? 'quiet' : 'NOT quiet'} after ${w.waitedS.toFixed(0)} s of waiting (others ${w.last.cores.toFixed(2)} cores over the last ${w.last.seconds.toFixed(0)} s)` : 'could not read /proc/stat: not waited';
    log(`  ${waited}`);
  }
  const loadBefore = loadAverage();
  log(`${cpu}; load average ${loadBefore ?? '?'}; ${RUNS} timed runs after a warm-up; batch 1 and ${BATCH}, 3x224x224`);
  if (!TARGETS_ONLY) {
    log('PyTorch ...');
    torchBench();
  }
  const preview = await startPreview(PORT, { mode: 'e2e', page: '/e2e-harness.html' });
  const weightsServer = await startWeightsServer();
  const browser = await chromium.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined, args: FLAGS });
  let ceiling: CeilingResult | null = null;
  let ceilingEnd: CeilingResult | null = null;
  let othersDuring: OthersShare | null = null;
  const shapes: Record<string, ConvShapeTiming[]> = {};
  try {
    const page = await browser.newPage();
    await page.route(`http://127.0.0.1:${PORT}/__ort/**`, async (route) => {
      const file = `node_modules/onnxruntime-web/dist/${new URL(route.request().url()).pathname.replace('/__ort/', '')}`;
      const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('js') ? 'text/javascript' : 'application/octet-stream';
      await route.fulfill({ body: readFileSync(file), headers: { 'content-type': type, 'cross-origin-resource-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } });
    });
    await page.goto(`http://127.0.0.1:${PORT}/e2e-harness.html`);
    await page.waitForFunction(() => window.__engineReady === true);
    log('WASM SIMD ceiling ...');
    // One reading first, discarded: right after the page loads, the engine's worker and its wasm threads are still
    // settling, and the first two-thread reading came out 1.5-1.7x one thread on an idle machine (1.95x later).
    await ceilingBench(page);
    const cpuStart = cpuSnapshot();
    ceiling = await ceilingBench(page);
    log('tfjs in headless Chromium ...');
    await browserBench(page);
    if (!TARGETS_ONLY && haveLarge) {
      log('onnxruntime-web ...');
      await page.addScriptTag({ url: '/__ort/ort.min.js' });
      await ortBench(page);
    } else if (!TARGETS_ONLY) {
      for (const model of MODELS) rows.push({ model, stack: 'onnxruntime-web wasm', batch: 1, ms: null, note: 'needs fixtures/large (npm run fixtures:large)' });
    }
    log('conv shapes (wasm) ...');
    for (const model of MODELS) shapes[model] = await convShapeBench(page, model);
    log('WASM SIMD ceiling, again ...');
    ceilingEnd = await ceilingBench(page);
    othersDuring = othersShare(cpuStart, cpuSnapshot());
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid);
    weightsServer.close();
  }
  if (!TARGETS_ONLY) {
    log('tfjs in Node ...');
    await nodeBench();
  }

  // Shares are taken of the higher of the two FMA ceilings on every thread (start and end): a ceiling that read low
  // (a core taken, the loop not yet tiered up) would otherwise flatter every share above it.
  const fmaReadings = [ceiling?.fma?.allThreads, ceilingEnd?.fma?.allThreads].filter((x): x is number => typeof x === 'number');
  const fmaAll = fmaReadings.length ? Math.max(...fmaReadings) : null;
  const loadAfter = loadAverage();
  const out: string[] = [`CPU: ${cpu}. Chromium headless, Node ${process.versions.node}. Load average (1 min) ${loadBefore ?? '?'} before, ${loadAfter ?? '?'} after${waited ? `; before the run: ${waited}` : ''}.`];
  // A calm run: no other process took CPU while the browser measured, and the ceiling on every thread is close
  // to the one-thread figure times the threads, at the start and at the end.
  const calm = calmVerdict(othersDuring, loadBefore, [ceiling, ceilingEnd]);
  if (ceiling) {
    const line = (name: string, c: CeilingResult['mulAdd'] | null, threads: number) =>
      c ? `  ${name.padEnd(34)} ${c.oneThread.toFixed(1).padStart(6)} GMAC/s on 1 thread, ${c.allThreads.toFixed(1).padStart(6)} on ${threads} (best: the ${c.form} loop with ${c.accumulators} accumulators)` : `  ${name.padEnd(34)} relaxed SIMD not available`;
    out.push('\nWASM SIMD ceiling in Chromium (register-blocked f32x4 loop, bench/simd-ceiling.ts), at the start and at the end of the browser runs:');
    for (const c of [ceiling, ceilingEnd]) {
      if (!c) continue;
      out.push(line('f32x4.mul + f32x4.add', c.mulAdd, c.threads));
      out.push(line('f32x4.relaxed_madd (FMA)', c.fma, c.threads));
    }
    if (fmaAll) out.push(`  every share of "the FMA ceiling on every thread" below is of ${fmaAll.toFixed(1)} GMAC/s, the higher of the two FMA readings`);
  }
  out.push(`\nCalm run: ${calm.calm ? 'yes' : 'NO'} (${calm.reasons.join('; ')})${calm.calm ? '' : ': the shares of the ceiling and the verdicts below are not valid; rerun on a quiet machine (`npm run bench:kernels` times the kernels of every conv shape on one thread in a way a load distorts little)'}`);
  for (const model of MODELS) {
    const mine = rows.filter((r) => r.model === model);
    const gmac = MACS[model] / 1e9;
    out.push(`\n${model} (${gmac.toFixed(2)} GMAC per image, 224x224, median of ${RUNS})`);
    out.push(`${'stack'.padEnd(30)} ${'batch'.padStart(5)} ${'ms'.padStart(9)} ${'img/s'.padStart(7)} ${'GMAC/s'.padStart(7)} ${'% FMA'.padStart(6)} ${'x PyTorch'.padStart(10)} ${'x ORT-web'.padStart(10)}  notes`);
    for (const r of mine) {
      const torch = mine.find((x) => x.stack === 'PyTorch CPU' && x.batch === r.batch)?.ms ?? null;
      const ortMs = mine.find((x) => x.stack === 'onnxruntime-web wasm' && x.batch === r.batch)?.ms ?? null;
      const ms = r.ms === null ? '-' : r.ms.toFixed(1);
      const ips = r.ms === null ? '-' : ((r.batch * 1000) / r.ms).toFixed(1);
      const g = r.ms === null ? null : (MACS[model] * r.batch) / r.ms / 1e6;
      const share = g !== null && r.browser && fmaAll ? pct(g / fmaAll) : '-';
      const vt = r.ms !== null && torch ? (r.ms / torch).toFixed(2) : '-';
      const vo = r.ms !== null && ortMs ? (r.ms / ortMs).toFixed(2) : '-';
      out.push(`${r.stack.padEnd(30)} ${String(r.batch).padStart(5)} ${ms.padStart(9)} ${ips.padStart(7)} ${(g === null ? '-' : g.toFixed(1)).padStart(7)} ${share.padStart(6)} ${vt.padStart(10)} ${vo.padStart(10)}  ${r.note ?? ''}`);
    }
  }
  for (const model of MODELS) {
    const list = shapes[model] ?? [];
    out.push(`\n${model} on wasm (Chromium): every distinct conv shape, batch 1, median ms (GMAC/s, share of the FMA ceiling on every thread); * = what the network runs`);
    for (const s of list) {
      const methods = s.methods.map((m) => `${m.method === s.chosen ? '*' : ' '}${m.method} ${m.medianMs.toFixed(2)} ms (${m.gmacPerS.toFixed(1)}${fmaAll ? `, ${pct(m.gmacPerS / fmaAll)}` : ''})`).join('  ');
      out.push(`${s.layer.padEnd(22)} x${String(s.count).padEnd(2)} ${s.shape.padEnd(32)} ${methods}`);
    }
  }
  for (const model of MODELS) {
    for (const [batch, ops] of Object.entries(opTimes[model] ?? {})) {
      const forward = rows.find((r) => r.model === model && r.stack === 'tfjs wasm (Chromium)' && r.batch === Number(batch))?.ms ?? null;
      out.push('', ...opTable(model, Number(batch), ops, fmaAll, forward));
    }
  }
  const ratios = stageRatios(shapes.resnext50_32x4d ?? []);
  out.push('\nResNeXt-50 32x4d on wasm: grouped 3x3 against dense 1x1 GMAC/s per stage (each as the network runs it)');
  for (const r of ratios) out.push(`stage ${r.stage}: grouped 3x3 ${r.grouped.toFixed(1)} GMAC/s, dense 1x1 ${r.dense.toFixed(1)}: ${pct(r.grouped / r.dense)}`);

  out.push(`\nTargets (this run, this machine${calm.calm ? ', calm' : ': NOT a calm run, verdicts not valid'})`);
  for (const model of MODELS) {
    const at = (stack: string, batch: number) => rows.find((r) => r.model === model && r.stack === stack && r.batch === batch)?.ms ?? null;
    const wasm = at('tfjs wasm (Chromium)', 1);
    const wasm8 = at('tfjs wasm (Chromium)', BATCH);
    const ortMs = at('onnxruntime-web wasm', 1);
    if (wasm !== null && ortMs !== null) out.push(`${model}: tfjs wasm / onnxruntime-web at batch 1 = ${(wasm / ortMs).toFixed(2)} (target <= 0.80): ${verdict(wasm / ortMs <= 0.8)}`);
    for (const [batch, ms, goal] of [[1, wasm, 0.8], [BATCH, wasm8, 0.85]] as const) {
      if (ms === null || !fmaAll) continue;
      const share = (MACS[model] * batch) / ms / 1e6 / fmaAll;
      out.push(`${model}: whole network at batch ${batch} at ${pct(share)} of the FMA ceiling on every thread (target >= ${pct(goal)}): ${verdict(share >= goal)}`);
    }
    if (wasm !== null && wasm8 !== null) {
      const [one, eight] = [1000 / wasm, (BATCH * 1000) / wasm8];
      out.push(`${model}: batch ${BATCH} ${eight.toFixed(1)} images/s against batch 1 ${one.toFixed(1)} (target: more): ${verdict(eight > one)}`);
    }
  }
  if (ratios.length) out.push(`grouped 3x3 >= 70% of dense 1x1 in every stage: ${verdict(ratios.every((r) => r.grouped / r.dense >= 0.7))} (${ratios.map((r) => pct(r.grouped / r.dense)).join(', ')})`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
