/**
 * `npm run bench:webgpu`: the engine's WebGPU path (tfjs-backend-webgpu with the own WGSL grouped
 * conv) against onnxruntime-web's WebGPU execution provider, both on the same Dawn adapter in Node
 * (npm `webgpu`; no browser): ResNeXt-50 32x4d and ResNet-50, batch 1 and 16, median ms, ms per image,
 * GMAC/s and its share of the adapter's datasheet FP32 peak (`gpu-peaks.ts`). Both run the same
 * network with the same weights: the PyTorch weights of fixtures/large when present, else seeded
 * random ones; onnxruntime-web gets it as ONNX written here from the layer graph (`onnx-writer.ts`,
 * BatchNorm folded). Each timed run starts from the batch in CPU memory and ends with the logits read
 * back, for both stacks. The check column: the batch-1 logits of each stack against PyTorch's (224x224
 * with fixtures/large) and against each other (max |diff| over the largest |logit|).
 *
 * On a machine with a GPU, Dawn takes the GPU's Vulkan adapter. Without one it runs on SwiftShader
 * (software Vulkan on the CPU: correctness only), where the defaults shrink so that it finishes: one
 * timed run, batch 1, 64x64 input.
 *   npm run bench:webgpu [-- --runs 10 --batches 1,16 --input 224 --models resnext50_32x4d,resnet50
 *                           --software --variants --no-ort --ort-timeout 180]
 * --ort-timeout: seconds onnxruntime-web may take for one model (session, every batch, in a child
 * process) before its row says so and the bench goes on (default 180 on a GPU, 600 on SwiftShader).
 * --variants adds the grouped conv's reference WGSL kernel and split + concat for ResNeXt-50.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { totalMacs } from '../src/analysis/counts.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { registerGroupedKernels, type GroupedMethod, type WgslGroupedVariant } from '../src/model/tfjs/grouped.ts';
import { buildNetwork } from '../src/model/tfjs/network.ts';
import { normal, randomStateDict, rng } from '../src/model/tfjs/random.ts';
import { openWeights } from '../src/model/weights/open.ts';
import type { StateDict } from '../src/model/weights/common.ts';
import { installDawn } from '../test/support/dawn.ts';
import { readF32 } from '../test/support/fixture-io.ts';
import { gpuPeak } from './gpu-peaks.ts';
import { networkToOnnx } from './onnx-writer.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const MODELS = arg('--models', 'resnext50_32x4d,resnet50').split(',');
const LARGE = 'fixtures/large';
const log = (s: string) => process.stderr.write(s + '\n');

interface Method {
  name: string;
  grouped: GroupedMethod;
  wgsl: WgslGroupedVariant;
}

const ENGINE: Method = { name: 'tfjs webgpu (engine)', grouped: 'kernel', wgsl: 'auto' };
const VARIANTS: Method[] = [
  { name: 'tfjs webgpu, reference grouped', grouped: 'kernel', wgsl: 'reference' },
  { name: 'tfjs webgpu, split + concat', grouped: 'split', wgsl: 'auto' },
];

function weights(model: string): { sd: StateDict; source: string } {
  const file = `${LARGE}/${model}.safetensors`;
  if (existsSync(file)) return { sd: openWeights(new Uint8Array(readFileSync(file)), file).read(), source: 'PyTorch weights (fixtures/large)' };
  return { sd: randomStateDict(buildLayerGraph(presetConfig(model)), 1), source: 'seeded random weights (no fixtures/large)' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** max |a - b| over max |b|: agreement of two logit vectors whatever their scale. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(m, 1e-30);
}

/** The median of `runs` timings of `once` after one warm-up (the first run compiles the shaders). */
async function timed(once: () => Promise<void>, runs: number, warm: boolean): Promise<number> {
  if (warm) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  return median(times);
}

type Ort = typeof import('onnxruntime-web');

interface OrtChildResult {
  rows: { batch: number; ms: number }[];
  /** Batch-1 logits of the check input. */
  logits: number[];
  error?: string;
}

/**
 * `--ort-child MODEL`: onnxruntime-web's WebGPU EP on this process's own Dawn adapter (found as the
 * parent's is), one model, every batch; prints one JSON line (OrtChildResult). onnxruntime-web 1.30's
 * WebGPU build (the C++ WebGPU EP compiled to wasm with Emscripten's Dawn bindings) compiles its first
 * shader on Dawn in Node and then waits; on SwiftShader it did not come back in 10 minutes.
 */
async function ortChild(model: string, runs: number, batches: number[], side: number): Promise<void> {
  const answer = (r: OrtChildResult) => process.stdout.write(JSON.stringify(r) + '\n');
  try {
    const ort = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
    // The WebGPU EP does the work; one wasm thread for the rest (Node's worker threads are not needed).
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    const graph = buildLayerGraph(presetConfig(model, { input: [3, side, side] }));
    const { sd } = weights(model);
    const input = checkInput(model, side);
    const session = await ort.InferenceSession.create(networkToOnnx(graph, sd), { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
    const feed = (batch: number, data?: Float32Array) => ({ input: new ort.Tensor('float32', data ?? normal(rng(batch), batch * 3 * side * side), [batch, 3, side, side]) });
    const logits = Array.from((await session.run(feed(1, input.data))).logits.data as Float32Array);
    const rows: OrtChildResult['rows'] = [];
    for (const batch of batches) {
      const f = feed(batch);
      rows.push({ batch, ms: await timed(async () => void (await session.run(f)), runs, batch !== 1) });
    }
    await session.release();
    answer({ rows, logits });
  } catch (e) {
    answer({ rows: [], logits: [], error: `onnxruntime-web: ${(e as Error).message}` });
  }
}

/** The batch-1 input whose logits are checked: PyTorch's (224x224, fixtures/large) when there, else seeded. */
function checkInput(model: string, side: number): { data: Float32Array; pytorch: boolean } {
  const refInput = `${LARGE}/${model}.input.bin`;
  const pytorch = side === 224 && existsSync(`${LARGE}/${model}.safetensors`) && existsSync(refInput) && existsSync(`${LARGE}/${model}.logits.bin`);
  return { data: pytorch ? readF32(refInput) : normal(rng(7), 3 * side * side), pytorch };
}

async function main(): Promise<void> {
  const adapter = await installDawn(args.includes('--software'));
  const runs = Math.max(1, Number(arg('--runs', adapter.software ? '1' : '10')) || 1);
  const batches = arg('--batches', adapter.software ? '1' : '1,16').split(',').map(Number);
  const side = Number(arg('--input', adapter.software ? '64' : '224'));
  const ortTimeout = Number(arg('--ort-timeout', adapter.software ? '600' : '180'));
  if (!(ortTimeout > 0)) throw new Error('--ort-timeout takes seconds (> 0)');
  if (!(Number.isInteger(side) && side >= 32) || batches.some((b) => !(Number.isInteger(b) && b >= 1))) throw new Error('--input takes a side of at least 32, --batches whole numbers >= 1');
  if (args.includes('--ort-child')) {
    await ortChild(arg('--ort-child', ''), runs, batches, side);
    process.exit(0);
  }
  const peak = gpuPeak(adapter.name);
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not start on the Dawn adapter');
  await tf.ready();
  registerGroupedKernels(['webgpu']);
  const withOrt = !args.includes('--no-ort');
  const where = adapter.software
    ? `SwiftShader (software Vulkan on the CPU: ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}): correctness only, the times say nothing about a GPU`
    : `GPU adapter "${adapter.name}" (${adapter.vendor} ${adapter.architecture})`;
  log(`Dawn adapter: ${adapter.name}; ${runs} timed run(s) after a warm-up, batch ${batches.join(' and ')}, ${side}x${side}`);
  const out: string[] = [`WebGPU through Dawn (npm webgpu) in Node ${process.versions.node}: ${where}.`];
  out.push(peak ? `Datasheet FP32 peak: ${peak.fp32Tflops} TFLOPS = ${(peak.fp32Tflops / 2).toFixed(1)} TMAC/s (${peak.name}; ${peak.source}).` : `No datasheet peak for "${adapter.name}" in bench/gpu-peaks.ts: the % peak column stays empty.`);
  out.push(`${'model'.padEnd(16)} ${'stack'.padEnd(34)} ${'batch'.padStart(5)} ${'ms'.padStart(10)} ${'ms/image'.padStart(9)} ${'GMAC/s'.padStart(8)} ${'% peak'.padStart(7)}  check (batch 1)`);
  for (const model of MODELS) {
    const graph = buildLayerGraph(presetConfig(model, { input: [3, side, side] }));
    const macs = totalMacs(graph);
    const { sd, source } = weights(model);
    const refLogits = `${LARGE}/${model}.logits.bin`;
    const { data: input, pytorch } = checkInput(model, side);
    const row = (stack: string, batch: number, ms: number, check: string) => {
      const gmacs = (macs * batch) / ms / 1e6;
      const share = peak ? `${((gmacs / ((peak.fp32Tflops / 2) * 1000)) * 100).toFixed(1)}%` : '-';
      const line = `${model.padEnd(16)} ${stack.padEnd(34)} ${String(batch).padStart(5)} ${ms.toFixed(1).padStart(10)} ${(ms / batch).toFixed(2).padStart(9)} ${gmacs.toFixed(1).padStart(8)} ${share.padStart(7)}  ${check}`;
      out.push(line);
      log(line);
    };
    const logits: Record<string, Float32Array> = {};
    const checkOf = (name: string) => {
      const parts = [];
      if (pytorch) parts.push(`vs PyTorch ${relDiff(logits[name], readF32(refLogits)).toExponential(1)}`);
      if (name !== ENGINE.name && logits[ENGINE.name]) parts.push(`vs engine ${relDiff(logits[name], logits[ENGINE.name]).toExponential(1)}`);
      return parts.length ? parts.join(', ') : source;
    };
    const grouped = graph.nodes.some((n) => n.kind === 'conv' && n.conv.groups > 1);
    for (const method of grouped && args.includes('--variants') ? [ENGINE, ...VARIANTS] : [ENGINE]) {
      const net = buildNetwork(graph, sd, { grouped: method.grouped, kernels: { wgsl: method.wgsl } });
      try {
        logits[method.name] = (await net.run(input, [1, 3, side, side])).data;
        for (const batch of batches) {
          // The batch starts on the CPU, as onnxruntime-web's feed does: both times include the upload.
          const data = normal(rng(batch), batch * 3 * side * side);
          const ms = await timed(async () => {
            const x = tf.tensor4d(data, [batch, 3, side, side]);
            const y = net.predict(x);
            await y.data();
            x.dispose();
            y.dispose();
          }, runs, batch !== 1);
          row(method.name, batch, ms, batch === 1 ? checkOf(method.name) : '');
        }
      } finally {
        net.dispose();
      }
    }
    if (!withOrt) continue;
    const name = 'onnxruntime-web webgpu EP';
    // In a child process that is killed after --ort-timeout: onnxruntime-web's WebGPU build can block
    // Node's event loop while it waits on Dawn (see ortChild), where no timer of this process would fire.
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...args, '--ort-child', model], { encoding: 'utf8', timeout: ortTimeout * 1000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
    let result: OrtChildResult | null = null;
    try {
      if (child.status === 0) result = JSON.parse(child.stdout.trim().split('\n').pop()!) as OrtChildResult;
    } catch {
      result = { rows: [], logits: [], error: `no result line from the child: ${child.stdout.trim().split('\n').pop()}` };
    }
    if (!result || result.error) {
      const why = result?.error ?? (child.error || child.signal ? `no result in ${ortTimeout} s (--ort-timeout): the child was stopped` : `exited with ${child.status}: ${(child.stderr || '').trim().split('\n').pop()}`);
      out.push(`${model.padEnd(16)} ${name.padEnd(34)} failed: ${why}`);
      log(`${model} ${name}: ${why}`);
      continue;
    }
    logits[name] = Float32Array.from(result.logits);
    for (const r of result.rows) row(name, r.batch, r.ms, r.batch === 1 ? checkOf(name) : '');
  }
  process.stdout.write(out.join('\n') + '\n');
  // Dawn keeps its device threads alive; end once the table is out.
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`bench:webgpu failed: ${(e as Error).message}\n`);
  process.exit(1);
});
