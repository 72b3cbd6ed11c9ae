/**
 * WebGPU in Node through Dawn (npm `webgpu`) for the tests and `npm run bench:webgpu`. Without a
 * GPU, Dawn finds no adapter (Debian's lavapipe lacks a feature it needs); Chromium's SwiftShader
 * Vulkan driver, which Debian's chromium package installs, gives it one: VK_ICD_FILENAMES points at
 * it unless already set. `globalThis` gets the WebGPU globals and `navigator.gpu` first, as
 * tfjs-backend-webgpu expects a browser.
 *
 * dawn.node takes its arguments through Node-API, which rejects views on a SharedArrayBuffer ("Invalid
 * argument"), though the WebGPU spec allows them in `GPUQueue.writeBuffer`: onnxruntime-web's WebGPU
 * build writes from its wasm heap, which is shared (its threaded build), so `writeBuffer` copies such a
 * view into an ArrayBuffer first. Without this onnxruntime-web cannot create a session on Dawn in Node.
 */
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface DawnAdapter {
  vendor: string;
  architecture: string;
  /** The adapter's name: its description (the GPU's product name on Vulkan), else device, else vendor and architecture. */
  name: string;
  software: boolean;
}

type Adapter = { info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean } } | null;

interface QueueLike {
  writeBuffer(buffer: unknown, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
}

/** `GPUQueue.writeBuffer` that copies views on a SharedArrayBuffer (see above). Idempotent. */
function copySharedWrites(): void {
  const proto = (globalThis as { GPUQueue?: { prototype: QueueLike & { __copiesShared?: boolean } } }).GPUQueue?.prototype;
  if (!proto || proto.__copiesShared) return;
  const write = proto.writeBuffer;
  proto.writeBuffer = function (buffer, offset, data, dataOffset, size) {
    if (ArrayBuffer.isView(data) && typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
      const copy = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      const Ctor = data.constructor as new (b: ArrayBuffer) => ArrayBufferView;
      data = data instanceof DataView ? new DataView(copy.buffer) : new Ctor(copy.buffer);
    }
    return write.call(this, buffer, offset, data, dataOffset, size);
  };
  proto.__copiesShared = true;
}

/**
 * Installs Dawn as `navigator.gpu`: a GPU's adapter when Vulkan has one, else (or with
 * `preferSoftware`) SwiftShader's. Throws with what to do when no adapter is found.
 */
export async function installDawn(preferSoftware = false): Promise<DawnAdapter> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  copySharedWrites();
  const attempt = async (): Promise<{ gpu: ReturnType<typeof create>; adapter: Adapter }> => {
    const gpu = create([]);
    return { gpu, adapter: (await gpu.requestAdapter()) as Adapter };
  };
  if (preferSoftware && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  let { gpu, adapter } = await attempt();
  if (!adapter && existsSync(SWIFTSHADER_ICD) && process.env.VK_ICD_FILENAMES !== SWIFTSHADER_ICD) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    ({ gpu, adapter } = await attempt());
  }
  if (!adapter) {
    throw new Error(`Dawn found no WebGPU adapter: install Debian's chromium (its ${SWIFTSHADER_ICD} is the software Vulkan driver Dawn accepts) or set VK_ICD_FILENAMES to a GPU's Vulkan driver`);
  }
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
  const vendor = adapter.info?.vendor ?? '';
  const architecture = adapter.info?.architecture ?? '';
  const name = adapter.info?.description || adapter.info?.device || `${vendor} ${architecture}`.trim();
  return { vendor, architecture, name, software: /swiftshader/i.test(`${vendor} ${architecture}`) || adapter.info?.isFallbackAdapter === true };
}
