/// <reference lib="webworker" />
/**
 * The engine's module Web Worker as the app starts it (`client.ts`): the app's requests only
 * (`protocol.ts`); the e2e harness and the benchmarks start their own worker with more.
 */
import { serveEngine } from './serve.ts';

serveEngine();
