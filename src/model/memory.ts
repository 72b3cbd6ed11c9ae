/**
 * How much memory a network needs before it is loaded, from its layer graph, and whether a backend can
 * hold it. Three figures: the weights file, the float32 state dict the reader makes of it, and what
 * the backend holds (the network's float32 weights with each BatchNorm folded away, plus the largest
 * activations alive during a batch-1 forward pass). The backend figure is an estimate: tfjs keeps
 * some scratch buffers of its own.
 */
import { numel, stateDictSpec, type LayerGraph } from './graph.ts';
import type { BackendName } from './tfjs/backend-name.ts';
import { catalogue, MessageError, type Message } from './message.ts';

/** The memory messages as English templates by id (src/model/message.ts); the app translates them. */
export const MEMORY_MESSAGES = {
  'memory.why.wasm': 'wasm32 memory ends at 4 GiB (tfjs-wasm heap limit 4,294,901,760 bytes)',
  'memory.why.webgpu': 'this WebGPU device binds at most {bytes} per buffer (maxStorageBufferBindingSize)',
  'memory.why.webgpuNone': 'the WebGPU device reports no buffer limit',
  'memory.why.webgl': 'this WebGL context\'s textures are at most {size}x{size} texels of 4 floats',
  'memory.why.webglNone': 'the WebGL context reports no texture limit',
  'memory.why.cpu': 'the cpu backend keeps tensors in JavaScript memory',
  'memory.total':
    'the network needs about {bytes} on {backend} (weights and activations), more than it can hold: {why}; use another backend or a smaller network',
  'memory.tensor': '{tensor} alone takes {bytes}, more than {backend} can hold: {why}; use the wasm or cpu backend',
  'memory.key': '{key}',
  'memory.output': '{layer} output',
  'memory.describe': 'file {file}, float32 state dict {stateDict}, on the backend about {backendBytes}',
} as const;

const { message: text } = catalogue(MEMORY_MESSAGES);

/** tfjs-backend-wasm 4.22's heap limit (`getHeapMax()`): wasm32 addresses end at 4 GiB, less one 64 KiB page. */
export const WASM_HEAP_MAX_BYTES = 4_294_901_760;

export interface MemoryNeed {
  /** Bytes of the weights file (read whole into memory). */
  fileBytes: number;
  /** Float32 bytes of the state dict (parameters and BatchNorm buffers). */
  stateDictBytes: number;
  /** What the backend holds: float32 weights once BatchNorm is folded, plus the live activations. */
  backendBytes: number;
  /** The biggest single tensor on the backend (a weight or an activation), in bytes. */
  largestTensorBytes: number;
  /** Name of that tensor (a state_dict key or "<layer> output"). */
  largestTensor: string;
  /** The same as a message (a key as is; "<layer> output" in words). */
  largestTensorName: Message;
}

/**
 * The memory a network needs, from its graph; `fileBytes` when the file size is known (else the
 * float32 state dict's size, which a float32 file exceeds only by its header).
 */
export function memoryNeed(graph: LayerGraph, fileBytes?: number): MemoryNeed {
  const spec = stateDictSpec(graph);
  const stateDictBytes = 4 * spec.reduce((s, t) => s + numel(t.shape), 0);
  let largestTensor = '';
  let largestTensorName = text('memory.key', { key: '' });
  let largest = 0;
  // Folding keeps each conv's weight, adds one bias per output channel, and drops the BatchNorm.
  let backend = 0;
  for (const node of graph.nodes) {
    if (node.kind === 'bn') continue;
    for (const t of node.tensors) {
      if (t.kind !== 'parameter') continue;
      const n = numel(t.shape);
      backend += n;
      if (4 * n > largest) {
        largest = 4 * n;
        largestTensor = t.key;
        largestTensorName = text('memory.key', { key: t.key });
      }
    }
    if (node.kind === 'conv' && node.conv && !node.conv.bias) backend += node.conv.outChannels;
  }
  // A residual block keeps its input alive while it computes: about three activations at once.
  let act = 0;
  for (const node of graph.nodes) {
    const n = numel(node.outShape);
    if (n > act) act = n;
    if (4 * n > largest) {
      largest = 4 * n;
      largestTensorName = text('memory.output', { layer: node.name });
      largestTensor = largestTensorName.text;
    }
  }
  return {
    fileBytes: fileBytes ?? stateDictBytes,
    stateDictBytes,
    backendBytes: 4 * (backend + 3 * act),
    largestTensorBytes: largest,
    largestTensor,
    largestTensorName,
  };
}

/** What a backend can hold: a total (wasm's heap) and/or a largest single tensor (a GPU buffer or texture). */
export interface BackendCapacity {
  backend: BackendName;
  totalBytes: number | null;
  tensorBytes: number | null;
  /** Where the limit comes from, for the message. */
  why: Message;
}

/** The fixed limits; webgpu's and webgl's come from the device (the engine asks it). */
export function backendCapacity(backend: BackendName, device: { maxBufferBytes?: number; maxTextureSize?: number } = {}): BackendCapacity {
  switch (backend) {
    case 'wasm':
      return { backend, totalBytes: WASM_HEAP_MAX_BYTES, tensorBytes: null, why: text('memory.why.wasm') };
    case 'webgpu':
      return device.maxBufferBytes
        ? { backend, totalBytes: null, tensorBytes: device.maxBufferBytes, why: text('memory.why.webgpu', { bytes: formatBytes(device.maxBufferBytes) }) }
        : { backend, totalBytes: null, tensorBytes: null, why: text('memory.why.webgpuNone') };
    case 'webgl':
      return device.maxTextureSize
        ? { backend, totalBytes: null, tensorBytes: device.maxTextureSize ** 2 * 4 * 4, why: text('memory.why.webgl', { size: device.maxTextureSize }) }
        : { backend, totalBytes: null, tensorBytes: null, why: text('memory.why.webglNone') };
    case 'cpu':
      return { backend, totalBytes: null, tensorBytes: null, why: text('memory.why.cpu') };
  }
}

export class MemoryError extends MessageError {
  override readonly name = 'MemoryError';
}

/** Why the backend cannot hold the network, as a message, or null when it can (as far as the limits say). */
export function memoryProblemMessage(need: MemoryNeed, cap: BackendCapacity): Message | null {
  if (cap.totalBytes !== null && need.backendBytes > cap.totalBytes) {
    return text('memory.total', { bytes: formatBytes(need.backendBytes), backend: cap.backend, why: cap.why });
  }
  if (cap.tensorBytes !== null && need.largestTensorBytes > cap.tensorBytes) {
    return text('memory.tensor', { tensor: need.largestTensorName, bytes: formatBytes(need.largestTensorBytes), backend: cap.backend, why: cap.why });
  }
  return null;
}

/** Why the backend cannot hold the network, or null when it can (as far as the limits say). */
export function memoryProblem(need: MemoryNeed, cap: BackendCapacity): string | null {
  return memoryProblemMessage(need, cap)?.text ?? null;
}

/** Throws a MemoryError with the figures when the backend cannot hold the network. */
export function checkMemory(need: MemoryNeed, cap: BackendCapacity): void {
  const problem = memoryProblemMessage(need, cap);
  if (problem) throw new MemoryError(problem);
}

/** One line, as a message: "file 102.5 MB, state dict 102.5 MB, on the backend about 103 MB". */
export function describeMemoryMessage(need: MemoryNeed): Message {
  return text('memory.describe', { file: formatBytes(need.fileBytes), stateDict: formatBytes(need.stateDictBytes), backendBytes: formatBytes(need.backendBytes) });
}

/** One line: "file 102.5 MB, state dict 102.5 MB, on the backend about 103 MB". */
export function describeMemory(need: MemoryNeed): string {
  return describeMemoryMessage(need).text;
}

/** Decimal units, as file sizes are usually shown: 102.5 MB, 3.32 GB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = -1;
  do {
    v /= 1e3;
    i++;
  } while (v >= 1e3 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}
