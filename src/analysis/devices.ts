/**
 * Devices as data: peak dense throughput, memory bandwidth and memory size, each figure with its
 * source. The roofline (`roofline.ts`) and the memory check read nothing else about a device.
 *
 * Conventions of the table:
 * - Throughput is the vendor's peak *dense* figure in TFLOPS (1 multiply-accumulate = 2 FLOPs). Where a
 *   vendor quotes "with sparsity", the dense figure is half of it (as the datasheets' footnotes say).
 * - `fp16` / `bf16` are the matrix (tensor-core) rates with FP32 accumulation, the mode PyTorch's autocast
 *   uses. `null` means the device has no faster 16-bit arithmetic: 16-bit data is computed at the FP32 rate.
 * - `memoryGB` is the memory the device has (GPUs) or can address (the CPU socket's maximum).
 * - `launchUs` is the fixed cost of one kernel (CUDA launch plus PyTorch's per-operator dispatch), the
 *   same documented figure for every datasheet device.
 */
import type { BackendSpeed } from '../model/engine/protocol.ts';

type DeviceKind = 'gpu' | 'cpu' | 'soc' | 'browser';

/**
 * How a runtime executes the layer graph: `eager` runs every module call as its own kernel (PyTorch);
 * `fused` folds each BatchNorm into the conv before it and fuses a ReLU into the conv or add before it
 * (TensorFlow.js here, like TensorRT and ONNX Runtime).
 */
export type Execution = 'eager' | 'fused';

export interface Device {
  /** Short name for the CLI (`--device v100`) and the URL. */
  name: string;
  label: string;
  kind: DeviceKind;
  fp32Tflops: number;
  fp16Tflops: number | null;
  bf16Tflops: number | null;
  bandwidthGBs: number;
  memoryGB: number;
  launchUs: number;
  execution: Execution;
  /** A key of `DEVICE_SOURCES` for every figure. */
  sources: { fp32: string; fp16: string; bf16: string; bandwidth: string; memory: string; launch: string };
  note?: string;
  /** "This browser": the measurement it was made from (its label and note are written from it). */
  measured?: BackendSpeed;
}

/** Where each figure comes from: the vendor document, and how a derived figure is derived. */
export const DEVICE_SOURCES: Readonly<Record<string, string>> = {
  m40:
    'NVIDIA Tesla M40 24 GB specifications (7.0 TFLOPS single precision, 24 GB GDDR5, 288 GB/s), as quoted in Microway, ' +
    '"NVIDIA Tesla M40 24GB GPU Accelerator (Maxwell GM200) Up Close" (microway.com/hpc-tech-tips/nvidia-tesla-m40-24gb-gpu-accelerator-maxwell-gm200-close)',
  maxwellFp16:
    'Maxwell GM200 (Tesla M40) has no double-rate FP16 arithmetic (only GM20B does): 16-bit data computes at the FP32 rate',
  v100:
    'NVIDIA Tesla V100 datasheet, V100 SXM2: 15.7 TFLOPS FP32, 125 TFLOPS tensor (FP16 multiply, FP32 accumulate), 32 GB HBM2, 900 GB/s ' +
    '(tensor figure also in NVIDIA, "Programming Tensor Cores in CUDA 9", developer.nvidia.com/programming-tensor-cores-cuda-9-0)',
  noBf16: 'no BF16 arithmetic before NVIDIA Ampere: bfloat16 data computes at the FP32 rate',
  t4: 'NVIDIA T4 Tensor Core GPU datasheet: 8.1 TFLOPS FP32, 65 TFLOPS mixed precision (FP16/FP32), 16 GB GDDR6, 320 GB/s',
  a100:
    'NVIDIA A100 Tensor Core GPU datasheet (nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf), ' +
    'A100 40 GB SXM: 19.5 TFLOPS FP32, 312 TFLOPS FP16 and BF16 tensor (624 with sparsity), 40 GB HBM2, 1,555 GB/s',
  h100:
    'NVIDIA H100 Tensor Core GPU datasheet, H100 SXM: 67 TFLOPS FP32, 1,979 TFLOPS FP16 and BF16 tensor with sparsity ' +
    '("specifications are one-half lower without sparsity": 989.5 dense), 80 GB HBM3, 3.35 TB/s',
  l4: 'NVIDIA L4 Tensor Core GPU datasheet: 30.3 TFLOPS FP32, 242 TFLOPS FP16 and BF16 tensor with sparsity (121 dense), 24 GB GDDR6, 300 GB/s',
  rtx3090:
    'NVIDIA Ampere GA102 GPU Architecture whitepaper, Appendix A (GeForce RTX 3090): 35.6 TFLOPS FP32, 71 TFLOPS FP16 and BF16 tensor ' +
    'with FP32 accumulate (142 with sparsity), 24 GB GDDR6X, 936 GB/s',
  rtx4090:
    'NVIDIA Ada Lovelace GPU Architecture whitepaper, Appendix (GeForce RTX 4090): 82.6 TFLOPS FP32, 165.2 TFLOPS FP16 and BF16 tensor ' +
    'with FP32 accumulate (330.4 with sparsity), 24 GB GDDR6X, 1,008 GB/s',
  m2:
    'Apple M2, 10-core GPU: 1,280 FP32 ALUs x 2 FLOPs x 1.398 GHz = 3.58 TFLOPS (Apple publishes no TFLOPS figure; ALU count and clock ' +
    'from P. Turner, "Metal Benchmarks", github.com/philipturner/metal-benchmarks, which also measures FP16 at the FP32 rate)',
  m2Memory: 'Apple newsroom, "Apple unveils M2" (June 2022): 100 GB/s unified memory bandwidth, up to 24 GB unified memory',
  m2Bf16: 'the M2 GPU has no BF16 arithmetic: bfloat16 data computes at the FP32 rate',
  xeon:
    'Intel Xeon Platinum 8480+ (ark.intel.com: 56 cores, 2.0 GHz base, 8 channels of DDR5-4800, up to 4 TB): ' +
    'FP32 = 56 cores x 2.0 GHz x 2 AVX-512 FMA units x 16 lanes x 2 FLOPs = 7.17 TFLOPS (Intel 64 and IA-32 Architectures Optimization Reference Manual: two 512-bit FMA units per core)',
  xeonFp16: 'AVX512-FP16 on the same two FMA units, 32 lanes: 56 x 2.0 GHz x 2 x 32 x 2 = 14.3 TFLOPS',
  xeonBf16:
    'Intel AMX (Intel, "Accelerate Artificial Intelligence Workloads with Intel Advanced Matrix Extensions"): 1,024 BF16 operations per cycle ' +
    'per core: 56 x 2.0 GHz x 1,024 = 114.7 TFLOPS',
  xeonMemory: '8 channels x 4,800 MT/s x 8 bytes = 307.2 GB/s; up to 4 TB of memory per socket (ark.intel.com)',
  launch:
    'a few microseconds per kernel: CUDA launch latency (NVIDIA Technical Blog, "Getting Started with CUDA Graphs") plus PyTorch\'s ' +
    'per-operator dispatch; 5 us is used for every datasheet device',
  measured: 'measured in this browser by the engine worker (Measure)',
};

const LAUNCH_US = 5;

/** The table. FP32 figures are vector (non-tensor) rates; the roofline uses them for every 32-bit layer. */
export const DEVICES: readonly Device[] = [
  {
    name: 'm40', label: 'NVIDIA Tesla M40 24 GB (the paper\'s GPU)', kind: 'gpu',
    fp32Tflops: 7.0, fp16Tflops: null, bf16Tflops: null, bandwidthGBs: 288, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'm40', fp16: 'maxwellFp16', bf16: 'noBf16', bandwidth: 'm40', memory: 'm40', launch: 'launch' },
  },
  {
    name: 'v100', label: 'NVIDIA Tesla V100 SXM2 32 GB', kind: 'gpu',
    fp32Tflops: 15.7, fp16Tflops: 125, bf16Tflops: null, bandwidthGBs: 900, memoryGB: 32, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'v100', fp16: 'v100', bf16: 'noBf16', bandwidth: 'v100', memory: 'v100', launch: 'launch' },
  },
  {
    name: 't4', label: 'NVIDIA T4 16 GB', kind: 'gpu',
    fp32Tflops: 8.1, fp16Tflops: 65, bf16Tflops: null, bandwidthGBs: 320, memoryGB: 16, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 't4', fp16: 't4', bf16: 'noBf16', bandwidth: 't4', memory: 't4', launch: 'launch' },
  },
  {
    name: 'a100-40gb', label: 'NVIDIA A100 40 GB SXM', kind: 'gpu',
    fp32Tflops: 19.5, fp16Tflops: 312, bf16Tflops: 312, bandwidthGBs: 1555, memoryGB: 40, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'a100', fp16: 'a100', bf16: 'a100', bandwidth: 'a100', memory: 'a100', launch: 'launch' },
    note: 'PyTorch runs float32 convolutions as TF32 on Ampere and later by default (156 TFLOPS here); the FP32 roof is the strict one.',
  },
  {
    name: 'h100-sxm', label: 'NVIDIA H100 SXM 80 GB', kind: 'gpu',
    fp32Tflops: 67, fp16Tflops: 989.5, bf16Tflops: 989.5, bandwidthGBs: 3350, memoryGB: 80, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'h100', fp16: 'h100', bf16: 'h100', bandwidth: 'h100', memory: 'h100', launch: 'launch' },
  },
  {
    name: 'l4', label: 'NVIDIA L4 24 GB', kind: 'gpu',
    fp32Tflops: 30.3, fp16Tflops: 121, bf16Tflops: 121, bandwidthGBs: 300, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'l4', fp16: 'l4', bf16: 'l4', bandwidth: 'l4', memory: 'l4', launch: 'launch' },
  },
  {
    name: 'rtx3090', label: 'NVIDIA GeForce RTX 3090 24 GB', kind: 'gpu',
    fp32Tflops: 35.6, fp16Tflops: 71, bf16Tflops: 71, bandwidthGBs: 936, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'rtx3090', fp16: 'rtx3090', bf16: 'rtx3090', bandwidth: 'rtx3090', memory: 'rtx3090', launch: 'launch' },
  },
  {
    name: 'rtx4090', label: 'NVIDIA GeForce RTX 4090 24 GB', kind: 'gpu',
    fp32Tflops: 82.6, fp16Tflops: 165.2, bf16Tflops: 165.2, bandwidthGBs: 1008, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'rtx4090', fp16: 'rtx4090', bf16: 'rtx4090', bandwidth: 'rtx4090', memory: 'rtx4090', launch: 'launch' },
  },
  {
    name: 'm2', label: 'Apple M2 (10-core GPU, 24 GB)', kind: 'soc',
    fp32Tflops: 3.58, fp16Tflops: 3.58, bf16Tflops: null, bandwidthGBs: 100, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'm2', fp16: 'm2', bf16: 'm2Bf16', bandwidth: 'm2Memory', memory: 'm2Memory', launch: 'launch' },
  },
  {
    name: 'xeon-8480', label: 'Intel Xeon Platinum 8480+ (56 cores, one socket)', kind: 'cpu',
    fp32Tflops: 7.17, fp16Tflops: 14.3, bf16Tflops: 114.7, bandwidthGBs: 307.2, memoryGB: 4096, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'xeon', fp16: 'xeonFp16', bf16: 'xeonBf16', bandwidth: 'xeonMemory', memory: 'xeonMemory', launch: 'launch' },
    note: 'Peaks at the 2.0 GHz base clock; AVX-512 and AMX code often runs below it.',
  },
];

export const DEVICE_NAMES: readonly string[] = DEVICES.map((d) => d.name);
export const DEFAULT_DEVICE = 'v100';

export function findDevice(name: string): Device | undefined {
  return DEVICES.find((d) => d.name === name);
}

/** The name "This browser" has in the URL and the device picker. */
export const BROWSER_DEVICE = 'browser';

/**
 * "This browser" as a device: the measured matmul rate is the compute roof for every dtype (TensorFlow.js
 * computes in float32), the measured element-wise bandwidth the memory roof, the measured per-op time the
 * launch overhead; the engine folds BN and fuses ReLU.
 */
export function browserDevice(m: BackendSpeed): Device {
  return {
    name: BROWSER_DEVICE,
    label: `This browser (tfjs ${m.backend}${m.threads ? `, ${m.threads} thread${m.threads > 1 ? 's' : ''}` : ''})`,
    kind: 'browser',
    fp32Tflops: m.matmulGflops / 1000,
    fp16Tflops: null,
    bf16Tflops: null,
    bandwidthGBs: m.copyGBs,
    memoryGB: m.memoryBytes / 1e9,
    launchUs: m.launchUs,
    execution: 'fused',
    sources: { fp32: 'measured', fp16: 'measured', bf16: 'measured', bandwidth: 'measured', memory: 'measured', launch: 'measured' },
    note: m.memoryNote,
    measured: m,
  };
}
