/**
 * The tfjs backends the engine can run on, what a probe of each says, and the order "auto" tries
 * them in. Kept free of inference imports so that the page can name backends without loading tfjs.
 */
import { messageOf, type Message } from '../message.ts';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** One backend as probed here: whether it can run, why not, or why it is slow. */
export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why it cannot run, or (available) why "auto" ranks it low. */
  reason?: string;
  /** The reason as a message (id and parameters), for the app to translate. */
  reasonMessage?: Message;
  /** The software rasteriser behind a GPU backend (e.g. "SwiftShader"), when there is one. */
  software?: string;
}

/** What a WebGPU adapter or a WebGL context says about itself. */
interface GpuDescription {
  /** `GPUAdapterInfo.isFallbackAdapter` (or the older `GPUAdapter.isFallbackAdapter`). */
  isFallbackAdapter?: boolean;
  /** WebGPU `GPUAdapterInfo` vendor / architecture / device / description, or WebGL's (unmasked) renderer and vendor. */
  texts: readonly (string | undefined | null)[];
}

/** Renderers that rasterise on the CPU: SwiftShader (Chromium's), Mesa's llvmpipe / softpipe / lavapipe, WARP. */
const SOFTWARE_RENDERERS: readonly [RegExp, string][] = [
  [/swiftshader|subzero/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/microsoft basic render|\bwarp\b/i, 'Microsoft Basic Render Driver'],
];

/** The software rasteriser a GPU adapter or renderer names, "fallback adapter" for an anonymous one, else null. */
export function softwareGpu(d: GpuDescription): string | null {
  const text = d.texts.filter((t): t is string => typeof t === 'string' && t.length > 0).join(' ');
  for (const [re, name] of SOFTWARE_RENDERERS) if (re.test(text)) return name;
  return d.isFallbackAdapter ? 'fallback adapter' : null;
}

/** Why a backend is unavailable or slow, as English templates by id (src/model/message.ts); the app translates them. */
export const BACKEND_MESSAGES = {
  'backend.noWasm': 'WebAssembly is not available',
  'backend.noGpu': 'navigator.gpu is missing (WebGPU not enabled in this browser)',
  'backend.noAdapter': 'no WebGPU adapter (requestAdapter() returned null)',
  'backend.adapterFailed': 'requestAdapter() failed: {error}',
  'backend.noOffscreen': 'OffscreenCanvas is missing (WebGL in a worker needs it)',
  'backend.noWebgl2': 'no WebGL2 context',
  'backend.webglFailed': 'WebGL2 failed: {error}',
  'backend.software': 'software adapter: slow ({software}); auto ranks it after wasm',
} as const;
export type BackendMessageId = keyof typeof BACKEND_MESSAGES;

/** The card's line for an available backend that runs on a software rasteriser, as a message. */
export function softwareMessage(software: string): Message {
  return messageOf(BACKEND_MESSAGES, 'backend.software', { software });
}

/** The card's line for an available backend that runs on a software rasteriser. */
export function softwareReason(software: string): string {
  return softwareMessage(software).text;
}

/**
 * The order "auto" tries backends in: `order` (default webgpu, webgl, wasm, cpu) with every
 * unavailable backend left out and every software GPU backend moved right after wasm, so that a
 * SwiftShader adapter (seconds to minutes an image) never wins over WebAssembly SIMD.
 */
export function autoOrder(statuses: readonly BackendStatus[], order: readonly BackendName[] = BACKEND_NAMES): BackendName[] {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const usable = order.filter((n) => byName.get(n)?.available);
  const soft = usable.filter((n) => byName.get(n)?.software);
  const hard = usable.filter((n) => !byName.get(n)?.software);
  const at = hard.indexOf('wasm');
  return at < 0 ? [...hard, ...soft] : [...hard.slice(0, at + 1), ...soft, ...hard.slice(at + 1)];
}
