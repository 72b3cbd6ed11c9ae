import { describe, expect, it } from 'vitest';
import { autoOrder, softwareGpu, softwareReason, type BackendStatus } from './backend-name.ts';

describe('software GPU detection', () => {
  it('names SwiftShader from WebGPU adapter info and from the ANGLE renderer string', () => {
    // What headless Chromium 156 reports on a machine without a GPU.
    expect(softwareGpu({ isFallbackAdapter: true, texts: ['google', 'swiftshader', '', ''] })).toBe('SwiftShader');
    expect(softwareGpu({ texts: ['WebKit WebGL', 'WebKit', 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', 'Google Inc. (Google)'] })).toBe('SwiftShader');
    expect(softwareGpu({ texts: ['Mesa', 'llvmpipe (LLVM 15.0.6, 256 bits)'] })).toBe('llvmpipe');
    expect(softwareGpu({ texts: ['Microsoft Basic Render Driver'] })).toBe('Microsoft Basic Render Driver');
  });

  it('calls an anonymous fallback adapter a fallback adapter, and a real GPU not software', () => {
    expect(softwareGpu({ isFallbackAdapter: true, texts: ['', undefined, null] })).toBe('fallback adapter');
    expect(softwareGpu({ isFallbackAdapter: false, texts: ['nvidia', 'ampere', '', ''] })).toBeNull();
    expect(softwareGpu({ texts: ['ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)'] })).toBeNull();
    expect(softwareReason('SwiftShader')).toMatch(/^software adapter: slow \(SwiftShader\)/);
  });
});

describe('auto order', () => {
  const hw = (name: BackendStatus['name']): BackendStatus => ({ name, available: true });
  const sw = (name: BackendStatus['name']): BackendStatus => ({ name, available: true, software: 'SwiftShader', reason: softwareReason('SwiftShader') });
  const off = (name: BackendStatus['name']): BackendStatus => ({ name, available: false, reason: 'missing' });

  it('keeps hardware GPUs first', () => {
    expect(autoOrder([hw('webgpu'), hw('webgl'), hw('wasm'), hw('cpu')])).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });

  it('ranks software adapters right after wasm, and leaves unavailable backends out', () => {
    expect(autoOrder([sw('webgpu'), sw('webgl'), hw('wasm'), hw('cpu')])).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(autoOrder([sw('webgpu'), hw('webgl'), hw('wasm'), hw('cpu')])).toEqual(['webgl', 'wasm', 'webgpu', 'cpu']);
    expect(autoOrder([off('webgpu'), sw('webgl'), hw('wasm'), hw('cpu')])).toEqual(['wasm', 'webgl', 'cpu']);
  });

  it('puts software adapters last when wasm cannot run, and follows a given order', () => {
    expect(autoOrder([sw('webgpu'), off('webgl'), off('wasm'), hw('cpu')])).toEqual(['cpu', 'webgpu']);
    expect(autoOrder([sw('webgpu'), hw('wasm'), hw('cpu')], ['cpu', 'webgpu', 'wasm'])).toEqual(['cpu', 'wasm', 'webgpu']);
  });
});
