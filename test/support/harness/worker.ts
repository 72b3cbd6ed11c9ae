/// <reference lib="webworker" />
/**
 * The e2e harness's engine worker: the app's engine (`serveEngine`, the same code the app's worker
 * runs) plus the requests of `protocol.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { benchConvShapes } from '../../../bench/conv-bench.ts';
import { benchLayers } from '../../../bench/layer-bench.ts';
import { measureOpGap } from '../../../bench/op-gap.ts';
import { CEILING_SCRATCH_BYTES, measureCeiling } from '../../../bench/simd-ceiling.ts';
import { predictionTimes, type Engine } from '../../../src/model/engine/engine.ts';
import { median } from '../../../src/analysis/stats.ts';
import { serveEngine, type Handled } from '../../../src/model/engine/serve.ts';
import type { GroupedMethod } from '../../../src/model/tfjs/grouped.ts';
import type { NetworkOptions } from '../../../src/model/tfjs/network.ts';
import { kernelThreads, memoryOf, startKernelPool, type BackendWasmLike } from '../../../src/model/tfjs/kernels/runtime.ts';
import { relaxedSimdSupported } from '../../../src/model/tfjs/kernels/wasm-encoder.ts';
import type { BatchTiming, CeilingResult, HarnessRequest, RawResult } from './protocol.ts';

const TYPES: ReadonlySet<string> = new Set<HarnessRequest['type']>(['runRaw', 'setGroupedMethod', 'benchLayers', 'benchConvShapes', 'setKernelOptions', 'simdCeiling', 'benchBatch', 'timeLoadedOps', 'opGap']);

/** What the networks built next use (`setKernelOptions`), handed to the engine at every build. */
let networkOptions: Pick<NetworkOptions, 'dense' | 'kernels'> = {};

async function groupedMethod(engine: Engine): Promise<GroupedMethod> {
  await engine.ensureBackend();
  return (await engine.info()).groupedMethod as GroupedMethod;
}

async function handle(engine: Engine, req: HarnessRequest): Promise<Handled> {
  switch (req.type) {
    case 'runRaw': {
      const r: RawResult = { ...(await engine.logits(req.input, req.shape)), numTensors: tf.memory().numTensors };
      return { result: r, transfer: [r.logits.buffer as ArrayBuffer] };
    }
    case 'setGroupedMethod':
      return { result: await engine.setGroupedMethod(req.method) };
    case 'benchLayers':
      return { result: await benchLayers(req.config, req.stage, await groupedMethod(engine), req.runs, networkOptions) };
    case 'benchConvShapes':
      return { result: await benchConvShapes(req.config, req.runs, req.batch, await groupedMethod(engine), req.stages, networkOptions) };
    case 'simdCeiling': {
      if ((await engine.ensureBackend()) !== 'wasm') throw new Error('the SIMD ceiling is measured on the wasm backend: setBackend("wasm") first');
      const mod = (tf.backend() as unknown as BackendWasmLike).wasm;
      await startKernelPool(mod, networkOptions.kernels?.threads);
      const scratch = mod._malloc(CEILING_SCRATCH_BYTES);
      try {
        new Float32Array(memoryOf(mod).buffer, scratch, CEILING_SCRATCH_BYTES / 4).fill(1e-3);
        const result: CeilingResult = { threads: kernelThreads(mod, networkOptions.kernels?.threads), mulAdd: measureCeiling(mod, scratch, false, networkOptions.kernels?.threads), fma: relaxedSimdSupported() ? measureCeiling(mod, scratch, true, networkOptions.kernels?.threads) : null };
        return { result };
      } finally {
        mod._free(scratch);
      }
    }
    case 'benchBatch': {
      const net = engine.network;
      if (!net) throw new Error('no weights are loaded');
      const [c, h, w] = net.graph.config.input;
      const x = tf.randomNormal([req.batch, c, h, w], 0, 1, 'float32', 7) as tf.Tensor4D;
      try {
        const ms = median(await predictionTimes(net, x, req.runs));
        const result: BatchTiming = { batch: req.batch, runs: req.runs, medianMs: ms, imagesPerS: (req.batch * 1000) / ms };
        return { result };
      } finally {
        x.dispose();
      }
    }
    case 'opGap':
      return { result: await measureOpGap(req.config, req.runs, { grouped: await groupedMethod(engine), dense: networkOptions.dense, kernels: networkOptions.kernels }) };
    case 'timeLoadedOps': {
      const net = engine.network;
      if (!net) throw new Error('no weights are loaded');
      const [c, h, w] = net.graph.config.input;
      const x = tf.randomNormal([req.batch, c, h, w], 0, 1, 'float32', 7) as tf.Tensor4D;
      try {
        return { result: await net.timeOps(x, req.runs) };
      } finally {
        x.dispose();
      }
    }
    case 'setKernelOptions': {
      const o = req.options;
      const kernels = { ...networkOptions.kernels };
      if (o.fma !== undefined) kernels.fma = o.fma ?? undefined;
      if (o.threads !== undefined) kernels.threads = o.threads ?? undefined;
      networkOptions = { dense: o.dense ?? networkOptions.dense, kernels };
      if (o.threads !== undefined && tf.getBackend() === 'wasm') await startKernelPool((tf.backend() as unknown as BackendWasmLike).wasm, kernels.threads);
      return { result: undefined };
    }
  }
}

serveEngine((engine, request) => (TYPES.has(request.type) ? handle(engine, request as HarnessRequest) : null), { network: () => networkOptions });
