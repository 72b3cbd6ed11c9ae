/**
 * A kernel-pool helper as a Node worker thread (the browser's is src/model/tfjs/kernels/helper.ts):
 * lets the unit tests run the pool on every core with a shared WebAssembly.Memory of their own.
 */
import { parentPort } from 'node:worker_threads';
import { helperLoop, type HelperInit } from '../../src/model/tfjs/kernels/pool.ts';

parentPort!.once('message', (init: HelperInit) => helperLoop(init));
