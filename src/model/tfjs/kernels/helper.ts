/// <reference lib="webworker" />
/**
 * A helper worker of the kernel pool (`pool.ts`), started by the engine worker: it is sent the
 * shared memory and the control block once, then takes work items until stopped.
 */
import { helperLoop, type HelperInit } from './pool.ts';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (event: MessageEvent<HelperInit>) => {
  self.onmessage = null;
  helperLoop(event.data);
};
