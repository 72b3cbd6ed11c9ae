/**
 * Backend selection for tfjs: each backend package is imported only when asked for, so the cpu-only
 * CLI never loads WebGL or WebGPU code. Works in Node (cpu, wasm) and in a Web Worker (all four).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerGroupedKernels } from './grouped.ts';
import { kernelFma, kernelPoolInfo, startKernelPool, type BackendWasmLike } from './kernels/runtime.ts';

import { autoOrder, BACKEND_MESSAGES, BACKEND_NAMES, softwareGpu, softwareMessage, type BackendMessageId, type BackendName, type BackendStatus } from './backend-name.ts';
import { messageOf } from '../message.ts';

export { type BackendName };

interface WasmSetup {
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

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}

interface WebGlLike {
  RENDERER: number;
  VENDOR: number;
  getParameter(p: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number; UNMASKED_VENDOR_WEBGL: number } | null;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Probes one backend without initialising it: unavailable with the reason, or available, and for
 * webgpu / webgl whether the adapter is a software rasteriser (then `software` names it and
 * `reason` says it is slow).
 */
async function probeBackend(name: BackendName): Promise<BackendStatus> {
  const g = globalThis as unknown as {
    navigator?: { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } };
    OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: string): WebGlLike | null };
    WebAssembly?: unknown;
  };
  const no = (id: BackendMessageId, error?: string): BackendStatus => {
    const reasonMessage = messageOf(BACKEND_MESSAGES, id, { error: error ?? '', software: '' });
    return { name, available: false, reason: reasonMessage.text, reasonMessage };
  };
  const gpu = (software: string | null): BackendStatus => {
    if (!software) return { name, available: true };
    const reasonMessage = softwareMessage(software);
    return { name, available: true, software, reason: reasonMessage.text, reasonMessage };
  };
  switch (name) {
    case 'cpu':
      return { name, available: true };
    case 'wasm':
      return g.WebAssembly ? { name, available: true } : no('backend.noWasm');
    case 'webgpu': {
      if (!g.navigator?.gpu) return no('backend.noGpu');
      let adapter: GpuAdapterLike | null;
      try {
        adapter = await g.navigator.gpu.requestAdapter();
      } catch (e) {
        return no('backend.adapterFailed', (e as Error).message);
      }
      if (!adapter) return no('backend.noAdapter');
      const info = adapter.info ?? {};
      return gpu(softwareGpu({
        isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
        texts: [info.vendor, info.architecture, info.device, info.description],
      }));
    }
    case 'webgl': {
      if (!g.OffscreenCanvas) return no('backend.noOffscreen');
      let gl: WebGlLike | null;
      try {
        gl = new g.OffscreenCanvas(1, 1).getContext('webgl2');
      } catch (e) {
        return no('backend.webglFailed', (e as Error).message);
      }
      if (!gl) return no('backend.noWebgl2');
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      const texts = [str(gl.getParameter(gl.RENDERER)), str(gl.getParameter(gl.VENDOR))];
      if (ext) texts.push(str(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)), str(gl.getParameter(ext.UNMASKED_VENDOR_WEBGL)));
      (gl.getExtension('WEBGL_lose_context') as { loseContext?: () => void } | null)?.loseContext?.();
      return gpu(softwareGpu({ texts }));
    }
  }
}

/** The own wasm kernels on the active wasm backend: their pool's threads and whether they use FMA. */
export function wasmKernelInfo(): { threads: number; helpersStarted: number; helperItems: number; fma: boolean } | null {
  if (tf.getBackend() !== 'wasm') return null;
  return { ...kernelPoolInfo((tf.backend() as unknown as BackendWasmLike).wasm), fma: kernelFma() };
}

/** Why a backend cannot run here, or null when it can (cheap checks before initialising it). */
async function backendObstacle(name: BackendName): Promise<string | null> {
  const p = await probeBackend(name);
  return p.available ? null : (p.reason ?? 'unavailable');
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
  if (name === 'wasm') await startKernelPool((tf.backend() as unknown as BackendWasmLike).wasm);
  return name;
}

/**
 * The first backend that starts, in `autoOrder`: `order` (default webgpu, webgl, wasm, cpu) with the
 * unavailable ones left out and software GPU adapters (SwiftShader and the like) ranked after wasm.
 */
export async function useBestBackend(order: readonly BackendName[] = BACKEND_NAMES): Promise<BackendName> {
  const statuses = await probeBackends(order);
  const errors: string[] = statuses.filter((s) => !s.available).map((s) => `backend ${s.name} is not available: ${s.reason}`);
  for (const name of autoOrder(statuses, order)) {
    try {
      return await useBackend(name);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new Error(`no tfjs backend could start: ${errors.join('; ')}`);
}

export async function probeBackends(names: readonly BackendName[] = BACKEND_NAMES): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const name of names) out.push(await probeBackend(name));
  return out;
}
