/// <reference lib="webworker" />
/**
 * The e2e harness's engine worker: the app's engine (`serveEngine`, the same code the app's worker
 * runs) plus the requests of `protocol.ts`.
 */
import { serveEngine, type Handled } from '../../../src/model/engine/serve.ts';
import { benchLayers } from '../../../bench/layer-bench.ts';
import type { GroupedMethod } from '../../../src/model/tfjs/grouped.ts';
import type { HarnessRequest } from './protocol.ts';

serveEngine((engine, request): Promise<Handled> | null => {
  const req = request as HarnessRequest;
  switch (req.type) {
    case 'runRaw':
      return engine.runRaw(req.input, req.shape).then((r) => ({ result: r, transfer: [r.logits.buffer as ArrayBuffer] }));
    case 'setGroupedMethod':
      return engine.setGroupedMethod(req.method).then((result) => ({ result }));
    case 'benchLayers':
      return (async () => {
        await engine.ensureBackend();
        const method = (await engine.info()).groupedMethod as GroupedMethod;
        return { result: await benchLayers(req.config, req.stage, method, req.runs) };
      })();
    default:
      return null;
  }
});
