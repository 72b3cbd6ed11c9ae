import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from './graph.ts';
import { backendCapacity, checkMemory, describeMemory, formatBytes, memoryNeed, MemoryError, memoryProblem, WASM_HEAP_MAX_BYTES } from './memory.ts';
import { presetConfig } from './presets.ts';

// torchvision's architecture of Mahajan et al.'s resnext101_32x48d (829 M parameters): resnext101_32x8d with d = 48.
const x48d = (input = 224) => buildLayerGraph(presetConfig('resnext101_32x8d', { widthPerGroup: 48, input: [3, input, input] }));

describe('memory a network needs, from its layer graph', () => {
  it('resnet50: 102,440,820 bytes of float32 state dict; about 112 MB on the backend with activations', () => {
    const need = memoryNeed(buildLayerGraph(presetConfig('resnet50')));
    expect(need.stateDictBytes).toBe(102_440_820);
    expect(need.fileBytes).toBe(need.stateDictBytes);
    expect(need.backendBytes).toBe(111_755_680);
    expect(need.largestTensor).toBe('layer4.0.conv2.weight');
    expect(describeMemory(need)).toBe('file 102 MB, float32 state dict 102 MB, on the backend about 112 MB');
  });

  it('resnext101_32x48d: 3.32 GB of float32 weights; wasm (4 GiB) holds it at 224, not at 2048x2048', () => {
    const need = memoryNeed(x48d());
    expect(need.stateDictBytes).toBe(3_317_057_600);
    expect(need.backendBytes).toBeLessThan(WASM_HEAP_MAX_BYTES);
    expect(memoryProblem(need, backendCapacity('wasm'))).toBeNull();
    const big = memoryNeed(x48d(2048));
    expect(() => checkMemory(big, backendCapacity('wasm'))).toThrow(MemoryError);
    expect(() => checkMemory(big, backendCapacity('wasm'))).toThrow(/needs about 13\.0 GB on wasm .*wasm32 memory ends at 4 GiB/);
  });

  it('a WebGPU device with the default 128 MiB binding limit cannot hold resnext101_32x48d\'s 170 MB conv', () => {
    const cap = backendCapacity('webgpu', { maxBufferBytes: 128 * 1024 * 1024 });
    expect(memoryProblem(memoryNeed(x48d()), cap)).toBe(
      'layer4.0.conv2.weight alone takes 170 MB, more than webgpu can hold: this WebGPU device binds at most 134 MB per buffer (maxStorageBufferBindingSize); use the wasm or cpu backend',
    );
    expect(memoryProblem(memoryNeed(buildLayerGraph(presetConfig('resnext101_32x8d'))), cap)).toBeNull();
  });

  it('the cpu backend and devices without limits refuse nothing', () => {
    const need = memoryNeed(x48d(2048));
    expect(memoryProblem(need, backendCapacity('cpu'))).toBeNull();
    expect(memoryProblem(need, backendCapacity('webgl'))).toBeNull();
  });

  it('formats bytes in decimal units', () => {
    expect([formatBytes(999), formatBytes(1500), formatBytes(102_440_820), formatBytes(3_317_057_600)]).toEqual(['999 B', '1.50 kB', '102 MB', '3.32 GB']);
  });
});
