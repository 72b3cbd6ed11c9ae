/**
 * WebGPU in Node through Dawn (npm `webgpu`) for the tests and `npm run bench:webgpu`. Without a
 * GPU, Dawn finds no adapter (Debian's lavapipe lacks a feature it needs); Chromium's SwiftShader
 * Vulkan driver, which Debian's chromium package installs, gives it one: VK_ICD_FILENAMES points at
 * it unless already set. `globalThis` gets the WebGPU globals and `navigator.gpu` first, as
 * tfjs-backend-webgpu expects a browser.
 */
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface DawnAdapter {
  vendor: string;
  architecture: string;
  software: boolean;
}

type Adapter = { info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } } | null;

/**
 * Installs Dawn as `navigator.gpu`: a GPU's adapter when Vulkan has one, else (or with
 * `preferSoftware`) SwiftShader's. Throws with what to do when no adapter is found.
 */
export async function installDawn(preferSoftware = false): Promise<DawnAdapter> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
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
  return { vendor, architecture, software: /swiftshader/i.test(`${vendor} ${architecture}`) || adapter.info?.isFallbackAdapter === true };
}
