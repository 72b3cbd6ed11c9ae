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
 * - `tf32` is the TF32 tensor rate (dense) of Ampere and later; `null` before Ampere (TF32 does not exist there).
 * - `sms` and `clockMHz`: streaming multiprocessors (cores of a CPU, GPU cores of an Apple chip) and the boost
 *   clock the peaks are quoted at; the time model (timing/) quantizes a kernel's tiles into waves over `sms`.
 * - `launchUs` is the host's cost of one kernel (PyTorch's per-operator dispatch plus the CUDA launch), the
 *   same documented figure for every datasheet device; the GPU runs kernels while the host queues the next.
 * - `interconnect`: what a ring all-reduce of data-parallel training runs over (per GPU, per direction), the
 *   GPUs one node holds, and the network between nodes; `null` where the table has no multi-device setup.
 */
import type { BackendSpeed } from '../model/engine/protocol.ts';

type DeviceKind = 'gpu' | 'cpu' | 'soc' | 'browser';

/**
 * How a runtime executes the layer graph: `eager` runs every module call as its own kernel (PyTorch);
 * `fused` folds each BatchNorm into the conv before it and fuses a ReLU into the conv or add before it
 * (TensorFlow.js here, like TensorRT and ONNX Runtime).
 */
export type Execution = 'eager' | 'fused';

/** The links a ring all-reduce of gradients uses: GB/s per GPU and direction inside a node and between nodes. */
interface Interconnect {
  /** `nvlink` or `pcie`: the link between the GPUs of one node. */
  link: 'nvlink' | 'pcie';
  /** Per GPU, per direction, inside a node. */
  intraGBs: number;
  /** GPUs in one node (a ring over more GPUs crosses the network). */
  perNode: number;
  /** Per GPU, per direction, between nodes (the node's network adapters shared by its GPUs). */
  interGBs: number;
}

export interface Device {
  /** Short name for the CLI (`--device v100`) and the URL. */
  name: string;
  label: string;
  kind: DeviceKind;
  fp32Tflops: number;
  /** TF32 tensor rate; null before Ampere. */
  tf32Tflops: number | null;
  fp16Tflops: number | null;
  bf16Tflops: number | null;
  /** Whether the 16-bit (and TF32) rates are matrix units (tensor cores, AMX) rather than the vector units. */
  tensorCores: boolean;
  sms: number;
  clockMHz: number;
  interconnect: Interconnect | null;
  /** CPUs: float32 lanes of the vector unit (8 with AVX2, 16 with AVX-512); the time model pads channels to it. */
  vectorLanes?: number;
  bandwidthGBs: number;
  memoryGB: number;
  launchUs: number;
  execution: Execution;
  /** A key of `DEVICE_SOURCES` for every figure. */
  sources: { fp32: string; tf32: string; fp16: string; bf16: string; bandwidth: string; memory: string; launch: string; sms: string; interconnect: string };
  note?: string;
  /** "This browser": the measurement it was made from (its label and note are written from it). */
  measured?: BackendSpeed;
  /** "This CPU": the probe it was made from. */
  measuredCpu?: CpuProbe;
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
  h200:
    'NVIDIA H200 Tensor Core GPU datasheet, H200 SXM: 67 TFLOPS FP32, 1,979 TFLOPS FP16 and BF16 tensor with sparsity (989.5 dense), ' +
    'TF32 tensor 989 with sparsity (494.7 dense), 141 GB HBM3e, 4.8 TB/s, NVLink 900 GB/s',
  l4: 'NVIDIA L4 Tensor Core GPU datasheet: 30.3 TFLOPS FP32, 242 TFLOPS FP16 and BF16 tensor with sparsity (121 dense), 24 GB GDDR6, 300 GB/s',
  rtx3090:
    'NVIDIA Ampere GA102 GPU Architecture whitepaper, Appendix A (GeForce RTX 3090): 35.6 TFLOPS FP32, 71 TFLOPS FP16 and BF16 tensor ' +
    'with FP32 accumulate (142 with sparsity), 24 GB GDDR6X, 936 GB/s',
  rtx4090:
    'NVIDIA Ada Lovelace GPU Architecture whitepaper, Appendix (GeForce RTX 4090): 82.6 TFLOPS FP32, 165.2 TFLOPS FP16 and BF16 tensor ' +
    'with FP32 accumulate (330.4 with sparsity), 24 GB GDDR6X, 1,008 GB/s',
  rtx5090:
    'NVIDIA RTX Blackwell GPU Architecture whitepaper, Appendix (GeForce RTX 5090): 104.8 TFLOPS FP32, 209.5 TFLOPS FP16 and BF16 tensor ' +
    'with FP32 accumulate (419 with FP16 accumulate; the same figures are the "Spec" column of main-horse, "Things I learned digging into ' +
    '5090 perf", main-horse.github.io/posts/5090-mm-perf), 32 GB GDDR7, 1,792 GB/s',
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
  noTf32: 'no TF32 before NVIDIA Ampere: float32 stays float32 (PyTorch\'s allow_tf32 switches change nothing)',
  m40Sm: 'Maxwell GM200 (Tesla M40): 24 SMs of 128 FP32 lanes (3,072); clock = 7.0 TFLOPS / (3,072 x 2) = 1,140 MHz',
  v100Sm: 'NVIDIA Tesla V100 GPU Architecture whitepaper (2017), Table 1: V100 SXM2 has 80 SMs (5,120 FP32 lanes) at a 1,530 MHz boost clock',
  t4Sm: 'NVIDIA Turing GPU Architecture whitepaper, Appendix (Tesla T4): 40 SMs (2,560 FP32 lanes) at a 1,590 MHz boost clock',
  a100Sm:
    'NVIDIA A100 Tensor Core GPU Architecture whitepaper (2020), Table 3: A100 SXM4 has 108 SMs at a 1,410 MHz boost clock; TF32 tensor ' +
    '156 TFLOPS dense (312 with sparsity, datasheet)',
  h100Sm:
    'NVIDIA H100 Tensor Core GPU Architecture whitepaper: H100 SXM5 has 132 SMs of 128 FP32 lanes; clock = 67 TFLOPS / (132 x 128 x 2) ' +
    '= 1,980 MHz; datasheet: TF32 tensor 989 TFLOPS with sparsity, 494.7 dense',
  h200Sm:
    'the H200 is the H100 SXM\'s GH100 GPU with HBM3e (its datasheet gives the same FP32 and tensor figures): 132 SMs of 128 FP32 ' +
    'lanes; clock = 67 TFLOPS / (132 x 128 x 2) = 1,980 MHz',
  l4Sm:
    'NVIDIA Ada Lovelace GPU Architecture whitepaper: L4 is AD104 with 58 SMs of 128 FP32 lanes; clock = 30.3 TFLOPS / (58 x 128 x 2) ' +
    '= 2,040 MHz; L4 datasheet: TF32 tensor 120 TFLOPS with sparsity, 60 dense',
  rtx3090Sm:
    'NVIDIA Ampere GA102 GPU Architecture whitepaper, Appendix A (GeForce RTX 3090): 82 SMs at a 1,695 MHz boost clock; TF32 tensor ' +
    '35.6 TFLOPS dense (71 with sparsity); FP16 tensor with FP16 accumulate 142 dense, with FP32 accumulate (autocast\'s) half of it, 71',
  rtx4090Sm:
    'NVIDIA Ada Lovelace GPU Architecture whitepaper, Appendix (GeForce RTX 4090): 128 SMs at a 2,520 MHz boost clock; TF32 tensor 82.6 ' +
    'TFLOPS dense; FP16 tensor with FP16 accumulate 330.3 dense, with FP32 accumulate (autocast\'s) half of it, 165.2',
  rtx5090Sm:
    'GeForce RTX 5090 (GB202): 170 SMs of 128 FP32 lanes at a 2,407 MHz boost clock (170 x 128 x 2 x 2.407 GHz = 104.8 TFLOPS); TF32 ' +
    'tensor 104.8 TFLOPS dense; FP16 tensor with FP16 accumulate 419 dense, with FP32 accumulate (autocast\'s) half of it, 209.5, as on ' +
    'every GeForce card since Turing',
  m2Sm: 'Apple M2: 10 GPU cores at 1,398 MHz (P. Turner, "Metal Benchmarks")',
  xeonSm: 'Intel Xeon Platinum 8480+: 56 cores at a 2.0 GHz base clock (ark.intel.com)',
  nvlinkV100:
    'NVIDIA Tesla V100 whitepaper: NVLink 2.0, six links of 25 GB/s per direction = 150 GB/s per GPU per direction; between nodes the ' +
    'NVIDIA DGX-1 datasheet\'s 4 x 100 Gb/s InfiniBand EDR for 8 GPUs = 6.25 GB/s per GPU',
  nvlinkA100:
    'NVIDIA A100 whitepaper: third-generation NVLink, 12 links, 600 GB/s total = 300 GB/s per GPU per direction; between nodes the ' +
    'NVIDIA DGX A100 datasheet\'s 8 x 200 Gb/s HDR InfiniBand for 8 GPUs = 25 GB/s per GPU',
  nvlinkH100:
    'NVIDIA H100 datasheet: NVLink 900 GB/s total = 450 GB/s per GPU per direction; between nodes the NVIDIA DGX H100 datasheet\'s ' +
    '8 x 400 Gb/s ConnectX-7 for 8 GPUs = 50 GB/s per GPU',
  pcie3:
    'PCI Express 3.0 x16 (PCI-SIG): 8 GT/s x 16 lanes x 128/130 = 15.75 GB/s per direction; between nodes an assumed 100 Gb/s ' +
    'Ethernet adapter per node of 8 cards (1.56 GB/s per GPU): no vendor system defines one',
  pcie4:
    'PCI Express 4.0 x16 (PCI-SIG): 16 GT/s x 16 lanes x 128/130 = 31.5 GB/s per direction (GeForce cards: no NVLink between more ' +
    'than two); between nodes an assumed 100 Gb/s Ethernet adapter per node of 8 cards (1.56 GB/s per GPU): no vendor system defines one',
  pcie5:
    'PCI Express 5.0 x16 (PCI-SIG): 32 GT/s x 16 lanes x 128/130 = 63 GB/s per direction (GeForce RTX 5090: no NVLink); between ' +
    'nodes an assumed 100 Gb/s Ethernet adapter per node of 8 cards (1.56 GB/s per GPU): no vendor system defines one',
  single: 'a single device in this table: no data-parallel setup is modelled',
  launch:
    'the host\'s cost of one eager PyTorch kernel: CUDA launch latency of a few microseconds (NVIDIA Technical Blog, "Getting Started ' +
    'with CUDA Graphs") plus PyTorch\'s per-operator work on the host (the Python module call, the dispatcher, the library\'s setup), ' +
    'together 5 to 25 us per op; 10 us is used for every datasheet device (the GPU runs earlier kernels meanwhile, so it shows only ' +
    'when kernels are shorter than that: at small batches)',
  measured: 'measured in this browser by the engine worker (Measure)',
  probe: 'measured on this CPU by bench/predict.ts\'s probe (PyTorch: one GEMM, one copy, one tiny op)',
};

const LAUNCH_US = 10;

/** The table. FP32 figures are vector (non-tensor) rates; the roofline uses them for every 32-bit layer. */
const PCIE3 = { link: 'pcie', intraGBs: 15.75, perNode: 8, interGBs: 1.5625 } as const;
const PCIE4 = { link: 'pcie', intraGBs: 31.5, perNode: 8, interGBs: 1.5625 } as const;
const PCIE5 = { link: 'pcie', intraGBs: 63, perNode: 8, interGBs: 1.5625 } as const;

/** The table. FP32 figures are vector (non-tensor) rates. */
export const DEVICES: readonly Device[] = [
  {
    name: 'm40', label: 'NVIDIA Tesla M40 24 GB (the paper\'s GPU)', kind: 'gpu',
    fp32Tflops: 7.0, tf32Tflops: null, fp16Tflops: null, bf16Tflops: null, tensorCores: false, sms: 24, clockMHz: 1140, interconnect: PCIE3,
    bandwidthGBs: 288, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'm40', tf32: 'noTf32', fp16: 'maxwellFp16', bf16: 'noBf16', bandwidth: 'm40', memory: 'm40', launch: 'launch', sms: 'm40Sm', interconnect: 'pcie3' },
  },
  {
    name: 'v100', label: 'NVIDIA Tesla V100 SXM2 32 GB', kind: 'gpu',
    fp32Tflops: 15.7, tf32Tflops: null, fp16Tflops: 125, bf16Tflops: null, tensorCores: true, sms: 80, clockMHz: 1530,
    interconnect: { link: 'nvlink', intraGBs: 150, perNode: 8, interGBs: 6.25 },
    bandwidthGBs: 900, memoryGB: 32, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'v100', tf32: 'noTf32', fp16: 'v100', bf16: 'noBf16', bandwidth: 'v100', memory: 'v100', launch: 'launch', sms: 'v100Sm', interconnect: 'nvlinkV100' },
  },
  {
    name: 't4', label: 'NVIDIA T4 16 GB', kind: 'gpu',
    fp32Tflops: 8.1, tf32Tflops: null, fp16Tflops: 65, bf16Tflops: null, tensorCores: true, sms: 40, clockMHz: 1590, interconnect: PCIE3,
    bandwidthGBs: 320, memoryGB: 16, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 't4', tf32: 'noTf32', fp16: 't4', bf16: 'noBf16', bandwidth: 't4', memory: 't4', launch: 'launch', sms: 't4Sm', interconnect: 'pcie3' },
  },
  {
    name: 'a100-40gb', label: 'NVIDIA A100 40 GB SXM', kind: 'gpu',
    fp32Tflops: 19.5, tf32Tflops: 156, fp16Tflops: 312, bf16Tflops: 312, tensorCores: true, sms: 108, clockMHz: 1410,
    interconnect: { link: 'nvlink', intraGBs: 300, perNode: 8, interGBs: 25 },
    bandwidthGBs: 1555, memoryGB: 40, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'a100', tf32: 'a100Sm', fp16: 'a100', bf16: 'a100', bandwidth: 'a100', memory: 'a100', launch: 'launch', sms: 'a100Sm', interconnect: 'nvlinkA100' },
  },
  {
    name: 'h100-sxm', label: 'NVIDIA H100 SXM 80 GB', kind: 'gpu',
    fp32Tflops: 67, tf32Tflops: 494.7, fp16Tflops: 989.5, bf16Tflops: 989.5, tensorCores: true, sms: 132, clockMHz: 1980,
    interconnect: { link: 'nvlink', intraGBs: 450, perNode: 8, interGBs: 50 },
    bandwidthGBs: 3350, memoryGB: 80, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'h100', tf32: 'h100Sm', fp16: 'h100', bf16: 'h100', bandwidth: 'h100', memory: 'h100', launch: 'launch', sms: 'h100Sm', interconnect: 'nvlinkH100' },
  },
  {
    name: 'h200', label: 'NVIDIA H200 SXM 141 GB', kind: 'gpu',
    fp32Tflops: 67, tf32Tflops: 494.7, fp16Tflops: 989.5, bf16Tflops: 989.5, tensorCores: true, sms: 132, clockMHz: 1980,
    interconnect: { link: 'nvlink', intraGBs: 450, perNode: 8, interGBs: 50 },
    bandwidthGBs: 4800, memoryGB: 141, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'h200', tf32: 'h200', fp16: 'h200', bf16: 'h200', bandwidth: 'h200', memory: 'h200', launch: 'launch', sms: 'h200Sm', interconnect: 'nvlinkH100' },
  },
  {
    name: 'l4', label: 'NVIDIA L4 24 GB', kind: 'gpu',
    fp32Tflops: 30.3, tf32Tflops: 60, fp16Tflops: 121, bf16Tflops: 121, tensorCores: true, sms: 58, clockMHz: 2040, interconnect: PCIE4,
    bandwidthGBs: 300, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'l4', tf32: 'l4Sm', fp16: 'l4', bf16: 'l4', bandwidth: 'l4', memory: 'l4', launch: 'launch', sms: 'l4Sm', interconnect: 'pcie4' },
  },
  {
    name: 'rtx3090', label: 'NVIDIA GeForce RTX 3090 24 GB', kind: 'gpu',
    fp32Tflops: 35.6, tf32Tflops: 35.6, fp16Tflops: 71, bf16Tflops: 71, tensorCores: true, sms: 82, clockMHz: 1695, interconnect: PCIE4,
    bandwidthGBs: 936, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'rtx3090', tf32: 'rtx3090Sm', fp16: 'rtx3090', bf16: 'rtx3090', bandwidth: 'rtx3090', memory: 'rtx3090', launch: 'launch', sms: 'rtx3090Sm', interconnect: 'pcie4' },
  },
  {
    name: 'rtx4090', label: 'NVIDIA GeForce RTX 4090 24 GB', kind: 'gpu',
    fp32Tflops: 82.6, tf32Tflops: 82.6, fp16Tflops: 165.2, bf16Tflops: 165.2, tensorCores: true, sms: 128, clockMHz: 2520, interconnect: PCIE4,
    bandwidthGBs: 1008, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'rtx4090', tf32: 'rtx4090Sm', fp16: 'rtx4090', bf16: 'rtx4090', bandwidth: 'rtx4090', memory: 'rtx4090', launch: 'launch', sms: 'rtx4090Sm', interconnect: 'pcie4' },
  },
  {
    name: 'rtx5090', label: 'NVIDIA GeForce RTX 5090 32 GB', kind: 'gpu',
    fp32Tflops: 104.8, tf32Tflops: 104.8, fp16Tflops: 209.5, bf16Tflops: 209.5, tensorCores: true, sms: 170, clockMHz: 2407, interconnect: PCIE5,
    bandwidthGBs: 1792, memoryGB: 32, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'rtx5090', tf32: 'rtx5090Sm', fp16: 'rtx5090', bf16: 'rtx5090', bandwidth: 'rtx5090', memory: 'rtx5090', launch: 'launch', sms: 'rtx5090Sm', interconnect: 'pcie5' },
  },
  {
    name: 'm2', label: 'Apple M2 (10-core GPU, 24 GB)', kind: 'soc',
    fp32Tflops: 3.58, tf32Tflops: null, fp16Tflops: 3.58, bf16Tflops: null, tensorCores: false, sms: 10, clockMHz: 1398, interconnect: null,
    bandwidthGBs: 100, memoryGB: 24, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'm2', tf32: 'noTf32', fp16: 'm2', bf16: 'm2Bf16', bandwidth: 'm2Memory', memory: 'm2Memory', launch: 'launch', sms: 'm2Sm', interconnect: 'single' },
  },
  {
    name: 'xeon-8480', label: 'Intel Xeon Platinum 8480+ (56 cores, one socket)', kind: 'cpu',
    fp32Tflops: 7.17, tf32Tflops: null, fp16Tflops: 14.3, bf16Tflops: 114.7, tensorCores: true, sms: 56, clockMHz: 2000, interconnect: null, vectorLanes: 16,
    bandwidthGBs: 307.2, memoryGB: 4096, launchUs: LAUNCH_US, execution: 'eager',
    sources: { fp32: 'xeon', tf32: 'noTf32', fp16: 'xeonFp16', bf16: 'xeonBf16', bandwidth: 'xeonMemory', memory: 'xeonMemory', launch: 'launch', sms: 'xeonSm', interconnect: 'single' },
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
 * "This browser" as a device: the measured rate of dense convs is the compute roof for every dtype (TensorFlow.js
 * computes in float32; grouped convs run at the measured grouped rate, see timing/model.ts), the measured max
 * pooling's bandwidth the memory roof, the measured per-op time the launch overhead (a conv's: the tiny conv's);
 * the engine folds BN and fuses ReLU.
 */
export function browserDevice(m: BackendSpeed): Device {
  return {
    name: BROWSER_DEVICE,
    label: `This browser (tfjs ${m.backend}${m.threads ? `, ${m.threads} thread${m.threads > 1 ? 's' : ''}` : ''})`,
    kind: 'browser',
    fp32Tflops: m.convGflops / 1000,
    tf32Tflops: null,
    fp16Tflops: null,
    bf16Tflops: null,
    tensorCores: false,
    sms: m.threads ?? 1,
    clockMHz: 0,
    interconnect: null,
    bandwidthGBs: m.copyGBs,
    memoryGB: m.memoryBytes / 1e9,
    launchUs: m.launchUs,
    execution: 'fused',
    sources: { fp32: 'measured', tf32: 'measured', fp16: 'measured', bf16: 'measured', bandwidth: 'measured', memory: 'measured', launch: 'measured', sms: 'measured', interconnect: 'single' },
    note: m.memoryNote,
    measured: m,
  };
}

/** A probe of PyTorch on a CPU (bench/predict.ts runs it): one GEMM, one copy, one tiny op. */
export interface CpuProbe {
  /** The CPU's name (/proc/cpuinfo's model name). */
  cpu: string;
  threads: number;
  /** float32 GEMM throughput (torch.mm of 1024 x 1024 matrices), GFLOP/s. */
  gemmGflops: number;
  /** Bytes read + written per second of a copy of a 4 MB tensor, GB/s. */
  copyGBs: number;
  /** The same for a 64 MB tensor (past the caches), GB/s. */
  largeCopyGBs: number;
  /** Time of one tiny op through PyTorch's dispatcher and a module call, microseconds. */
  opUs: number;
  /** float32 rate of a dense 3x3 conv (64 -> 64 channels, 56 x 56, batch 1: oneDNN), GFLOP/s. */
  convGflops: number;
  /** The same with 32 groups of 4 channels (128 -> 128), GFLOP/s of its useful work. */
  groupedConvGflops: number;
  /** Time of one tiny Conv2d module call (the call, oneDNN's primitive lookup and dispatch), microseconds. */
  convUs: number;
  /** float32 lanes of the vector unit (8 with AVX2, 16 with AVX-512). */
  vectorLanes: number;
  memoryBytes: number;
  /** The probed PyTorch's version (torch.__version__). */
  torch?: string;
  /**
   * Max pooling (a ResNet stem's: 3x3 stride 2 over 64 x 112 x 112): window comparisons (8 per output) per second,
   * billions. Absent in probes saved before it was measured.
   */
  poolGops?: number;
  /** An eval BatchNorm module on 256 x 56 x 56 (3.2 MB): bytes read + written per second, GB/s (absent before). */
  bnGBs?: number;
  /** The dense convs of `convGflops` one by one (absent in probes saved before): their shapes at batch 1 and times. */
  denseConvs?: ProbeConv[];
  /**
   * A BatchNorm in training mode (aten's native_batch_norm and its backward, by themselves) on `elements` float32
   * values (8 x 64 x 56 x 56): PyTorch's CPU kernels reduce each channel's statistics in double precision, at about
   * a tenth of an inference BatchNorm's bandwidth (absent in probes saved before).
   */
  bnTrain?: { elements: number; forwardMs: number; backwardMs: number };
  /**
   * Grouped 3x3 convs (batch 1, `groups` groups of `width` channels in and out, `side` x `side`), one for each of
   * oneDNN's paths (`groupedPath`; absent in probes saved before).
   */
  groupedPaths?: { width: number; groups: number; side: number; ms: number }[];
  /** Weight gradients of dense convs timed by themselves (absent in probes saved before), at `batch` images. */
  wgradConvs?: (ProbeConv & { batch: number })[];
}

/** One timed conv of a CPU probe: stride 1, "same" padding, a square map of `side` pixels, batch 1 unless said. */
interface ProbeConv {
  inChannels: number;
  outChannels: number;
  kernel: number;
  side: number;
  ms: number;
}

/** A probe conv's multiply-adds and the bytes of its input, weights and output (float32), at `batch` images. */
function probeConvWork(c: ProbeConv, batch = 1): { macs: number; bytes: number } {
  const px = batch * c.side * c.side;
  const weights = c.outChannels * c.inChannels * c.kernel * c.kernel;
  return { macs: weights * px, bytes: 4 * (c.inChannels * px + weights + c.outChannels * px) };
}

/**
 * A probed CPU's conv time split in two: t = MACs / rate + bytes / reorderGBs, where bytes are the conv's input,
 * weights and output. PyTorch 1.13 hands oneDNN NCHW / OIHW tensors, and oneDNN reorders every operand to its
 * blocked layout and the output back at each call (its verbose log shows the reorders), a memory-bound cost that
 * weighs most on convs with few MACs per byte (a 1x1 of few channels on a large map, a 7 x 7 map's large weights).
 * Least squares on the relative error over the probe's dense convs (ten shapes from 2 to 83 MACs per byte in probes
 * since session 9, three before); null when the probe has no per-conv times or the split is not positive (then every
 * conv runs at `convGflops`).
 */
export function cpuConvSplit(p: CpuProbe): { gflops: number; reorderGBs: number } | null {
  if (!p.denseConvs || p.denseConvs.length < 2) return null;
  // Each row t = a x + b y divided by t: every conv weighs by its relative error, not its milliseconds.
  let aa = 0;
  let ab = 0;
  let bb = 0;
  let at = 0;
  let bt = 0;
  for (const c of p.denseConvs) {
    const { macs, bytes } = probeConvWork(c);
    const t = c.ms / 1000;
    const a = macs / t;
    const b = bytes / t;
    aa += a * a;
    ab += a * b;
    bb += b * b;
    at += a;
    bt += b;
  }
  const det = aa * bb - ab * ab;
  const perMac = (at * bb - bt * ab) / det;
  const perByte = (bt * aa - at * ab) / det;
  if (!(perMac > 0 && perByte > 0)) return null;
  return { gflops: 2 / perMac / 1e9, reorderGBs: 1 / perByte / 1e9 };
}

/**
 * The rate of a probed CPU's weight gradients relative to its forward convs' arithmetic (the model's
 * `wgradEfficiency`): what makes the timed weight gradients' sum come out, with their input, output-gradient and
 * weight bytes at the split's reorder bandwidth as a forward conv's are. Null without timed weight gradients or a
 * split (then the GEMM probe's rate stands in), and held within 0.25-1.5.
 */
export function cpuWgradEfficiency(p: CpuProbe): number | null {
  const split = cpuConvSplit(p);
  if (!split || !p.wgradConvs?.length) return null;
  let compute = 0;
  let rest = 0;
  for (const c of p.wgradConvs) {
    const { macs, bytes } = probeConvWork(c, c.batch);
    compute += (2 * macs) / (split.gflops * 1e9);
    rest += c.ms / 1000 - bytes / (split.reorderGBs * 1e9);
  }
  return rest > 0 ? Math.min(1.5, Math.max(0.25, compute / rest)) : 1.5;
}

/**
 * The path oneDNN takes for a grouped conv of `width` channels per group (PyTorch 1.13, `DNNL_VERBOSE=1`): its jit
 * kernels in channel blocks of the vector width when the width is a multiple of it, of 8 or 4 channels when it is a
 * multiple of those (a blocked layout cannot pad a group), and im2col with a GEMM ('gemm') otherwise.
 */
export function groupedPath(width: number, lanes: number): 'lanes' | 8 | 4 | 'gemm' {
  if (width % lanes === 0) return 'lanes';
  if (lanes > 8 && width % 8 === 0) return 8;
  if (lanes > 4 && width % 4 === 0) return 4;
  return 'gemm';
}

/**
 * How much longer per multiply-add a probed CPU's grouped conv of `width` channels per group takes than one whose
 * width is a multiple of the vector width: the probe's grouped conv on that path against its conv on the vector
 * path (at least 1); 1 without those probes.
 */
export function cpuGroupedFactor(p: CpuProbe, width: number): number {
  const convs = p.groupedPaths;
  const path = groupedPath(width, p.vectorLanes);
  if (!convs || path === 'lanes') return 1;
  const perMac = (c: NonNullable<CpuProbe['groupedPaths']>[number]) => c.ms / (c.groups * c.width * c.width * 9 * c.side * c.side);
  const base = convs.find((c) => groupedPath(c.width, p.vectorLanes) === 'lanes');
  const same = convs.find((c) => groupedPath(c.width, p.vectorLanes) === path);
  return base && same ? Math.max(1, perMac(same) / perMac(base)) : 1;
}

/** "This CPU" as a device: PyTorch eager on the probed CPU, the probe's rates as its roofs. */
export function cpuDevice(p: CpuProbe): Device {
  return {
    name: 'this-cpu',
    label: `This CPU (${p.cpu}, ${p.threads} thread${p.threads > 1 ? 's' : ''}, PyTorch)`,
    kind: 'cpu',
    // The forward convs' rate is the probe's conv (oneDNN reaches more than BLAS's torch.mm; without the layout
    // reorders, `cpuConvSplit`, where the probe allows the split); constantsFor runs the weight gradients at the rate of the
    // probe's timed ones (`cpuWgradEfficiency`).
    fp32Tflops: (cpuConvSplit(p)?.gflops ?? p.convGflops) / 1000,
    tf32Tflops: null,
    fp16Tflops: null,
    bf16Tflops: null,
    tensorCores: false,
    sms: p.threads,
    clockMHz: 0,
    interconnect: null,
    vectorLanes: p.vectorLanes,
    bandwidthGBs: p.copyGBs,
    memoryGB: p.memoryBytes / 1e9,
    launchUs: p.opUs,
    execution: 'eager',
    sources: { fp32: 'probe', tf32: 'probe', fp16: 'probe', bf16: 'probe', bandwidth: 'probe', memory: 'probe', launch: 'probe', sms: 'probe', interconnect: 'single' },
    measuredCpu: p,
  };
}
