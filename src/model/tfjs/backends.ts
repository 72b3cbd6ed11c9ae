/**
 * Backend selection for tfjs: each backend package is imported only when asked for, so the cpu-only
 * CLI never loads WebGL or WebGPU code. Works in Node (cpu, wasm) and in a Web Worker (all four).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerGroupedKernels } from './grouped.ts';

import { BACKEND_NAMES, type BackendName } from './backend-name.ts';
import { messageOf, type Message } from '../message.ts';

export { BACKEND_NAMES, type BackendName };

/** Why a backend is unavailable, as English templates by id (src/model/message.ts); the app translates them. */
export const BACKEND_MESSAGES = {
  'backend.noWasm': 'WebAssembly is not available',
  'backend.noGpu': 'navigator.gpu is missing (WebGPU not enabled in this browser)',
  'backend.noAdapter': 'no WebGPU adapter (requestAdapter() returned null)',
  'backend.adapterFailed': 'requestAdapter() failed: {error}',
  'backend.noOffscreen': 'OffscreenCanvas is missing (WebGL in a worker needs it)',
  'backend.noWebgl2': 'no WebGL2 context',
  'backend.webglFailed': 'WebGL2 failed: {error}',
} as const;

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  reason?: string;
  /** The reason as a message (id and parameters). */
  reasonMessage?: Message;
}

export interface WasmSetup {
  /** URLs of the three .wasm binaries (Vite `?url` imports); Node finds them in node_modules. */
  paths?: { 'tfjs-backend-wasm.wasm': string; 'tfjs-backend-wasm-simd.wasm': string; 'tfjs-backend-wasm-threaded-simd.wasm': string };
  /** Threads for the threaded-SIMD build (needs cross-origin isolation); default: every core. */
  threads?: number;
}

let wasmSetup: WasmSetup = {};

/**
 * tfjs-wasm 4.22 sizes its XNNPACK pool as min(setThreadsCount, 8, hardwareConcurrency / 2), the
 * halving read once when the module instantiates (its C++ assumes 2 hyper-threads a core). To use
 * every core, the module is instantiated while `navigator.hardwareConcurrency` reads `cores`
 * (twice the threads wanted); the instance property is removed again right after.
 */
async function withLogicalCores<T>(cores: number, fn: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav) return fn();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: cores, configurable: true });
  try {
    return await fn();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

export function configureWasm(setup: WasmSetup): void {
  wasmSetup = setup;
}

async function importBackend(name: BackendName): Promise<void> {
  switch (name) {
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return;
    case 'webgpu':
      await import('@tensorflow/tfjs-backend-webgpu');
      return;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (wasmSetup.paths) wasm.setWasmPaths(wasmSetup.paths);
      if (wasmSetup.threads) wasm.setThreadsCount(wasmSetup.threads);
      return;
    }
  }
}

/** Threads the wasm backend's XNNPACK pool really uses (tfjs-wasm getThreadsCount), or null before wasm starts. */
export async function wasmThreadsInUse(): Promise<number | null> {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return wasm.getThreadsCount();
}

/** Why a backend cannot run here, or null when it can (cheap checks before initialising it). */
export async function backendObstacle(name: BackendName): Promise<string | null> {
  return (await backendObstacleMessage(name))?.text ?? null;
}

/** Why a backend cannot run here, as a message, or null when it can. */
export async function backendObstacleMessage(name: BackendName): Promise<Message | null> {
  const m = (id: keyof typeof BACKEND_MESSAGES, error?: string) => messageOf(BACKEND_MESSAGES, id, { error: error ?? '' });
  const g = globalThis as unknown as {
    navigator?: { gpu?: { requestAdapter(): Promise<unknown> } };
    OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: string): unknown };
    WebAssembly?: unknown;
  };
  switch (name) {
    case 'cpu':
      return null;
    case 'wasm':
      return g.WebAssembly ? null : m('backend.noWasm');
    case 'webgpu': {
      if (!g.navigator?.gpu) return m('backend.noGpu');
      try {
        const adapter = await g.navigator.gpu.requestAdapter();
        return adapter ? null : m('backend.noAdapter');
      } catch (e) {
        return m('backend.adapterFailed', (e as Error).message);
      }
    }
    case 'webgl': {
      if (!g.OffscreenCanvas) return m('backend.noOffscreen');
      try {
        const gl = new g.OffscreenCanvas(1, 1).getContext('webgl2');
        return gl ? null : m('backend.noWebgl2');
      } catch (e) {
        return m('backend.webglFailed', (e as Error).message);
      }
    }
  }
}

/** Imports, initialises and selects a backend; registers the grouped-conv kernels. Throws when it cannot run. */
export async function useBackend(name: BackendName): Promise<BackendName> {
  const obstacle = await backendObstacle(name);
  if (obstacle) throw new Error(`backend ${name} is not available: ${obstacle}`);
  await importBackend(name);
  let ok = false;
  try {
    ok = name === 'wasm' && wasmSetup.threads ? await withLogicalCores(2 * wasmSetup.threads, () => tf.setBackend(name)) : await tf.setBackend(name);
  } catch (e) {
    throw new Error(`backend ${name} failed to start: ${(e as Error).message}`);
  }
  if (!ok) throw new Error(`backend ${name} failed to start`);
  await tf.ready();
  registerGroupedKernels([name]);
  return name;
}

/** The first backend of webgpu, webgl, wasm, cpu that starts. */
export async function useBestBackend(order: readonly BackendName[] = BACKEND_NAMES): Promise<BackendName> {
  const errors: string[] = [];
  for (const name of order) {
    try {
      return await useBackend(name);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new Error(`no tfjs backend could start: ${errors.join('; ')}`);
}

export async function probeBackends(): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) {
    const reason = await backendObstacleMessage(name);
    out.push(reason ? { name, available: false, reason: reason.text, reasonMessage: reason } : { name, available: true });
  }
  return out;
}
