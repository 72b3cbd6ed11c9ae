/// <reference lib="webworker" />
/**
 * The e2e harness's engine worker: the app's engine (`serveEngine`, the same code the app's worker
 * runs) plus the requests of `protocol.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { benchConvShapes } from '../../../bench/conv-bench.ts';
import { benchLayers } from '../../../bench/layer-bench.ts';
import type { Engine } from '../../../src/model/engine/engine.ts';
import { serveEngine, type Handled } from '../../../src/model/engine/serve.ts';
import { setDenseDefault, type GroupedMethod } from '../../../src/model/tfjs/grouped.ts';
import { setKernelFma, setKernelThreads, startKernelPool, type BackendWasmLike } from '../../../src/model/tfjs/kernels/runtime.ts';
import type { HarnessRequest } from './protocol.ts';

const TYPES: ReadonlySet<string> = new Set<HarnessRequest['type']>(['runRaw', 'setGroupedMethod', 'benchLayers', 'benchConvShapes', 'setKernelOptions']);

async function groupedMethod(engine: Engine): Promise<GroupedMethod> {
  await engine.ensureBackend();
  return (await engine.info()).groupedMethod as GroupedMethod;
}

async function handle(engine: Engine, req: HarnessRequest): Promise<Handled> {
  switch (req.type) {
    case 'runRaw': {
      const r = await engine.runRaw(req.input, req.shape);
      return { result: r, transfer: [r.logits.buffer as ArrayBuffer] };
    }
    case 'setGroupedMethod':
      return { result: await engine.setGroupedMethod(req.method) };
    case 'benchLayers':
      return { result: await benchLayers(req.config, req.stage, await groupedMethod(engine), req.runs) };
    case 'benchConvShapes':
      return { result: await benchConvShapes(req.config, req.runs, req.batch, await groupedMethod(engine), req.stages) };
    case 'setKernelOptions': {
      const o = req.options;
      if (o.fma !== undefined) setKernelFma(o.fma);
      if (o.dense !== undefined) setDenseDefault(o.dense);
      if (o.threads !== undefined) {
        setKernelThreads(o.threads);
        if (tf.getBackend() === 'wasm') await startKernelPool((tf.backend() as unknown as BackendWasmLike).wasm);
      }
      return { result: undefined };
    }
  }
}

serveEngine((engine, request) => (TYPES.has(request.type) ? handle(engine, request as HarnessRequest) : null));
