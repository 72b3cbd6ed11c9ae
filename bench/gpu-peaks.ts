/**
 * Datasheet FP32 (non-tensor) peaks of GPUs by the name a WebGPU adapter reports (Dawn's adapter
 * info: description, device, vendor / architecture), for `bench:webgpu`'s share of the peak. Both
 * stacks there compute in float32 shaders, so the vector FP32 rate is the ceiling, not a tensor-core
 * rate. Devices the cost model knows come from its table (`src/analysis/devices.ts`, with its
 * sources); the others are here with theirs. First match wins: the more specific names come first.
 */
import { DEVICE_SOURCES, findDevice } from '../src/analysis/devices.ts';

export interface GpuPeak {
  name: string;
  fp32Tflops: number;
  source: string;
}

function known(device: string): GpuPeak {
  const d = findDevice(device);
  if (!d) throw new Error(`internal: no device ${device} in src/analysis/devices.ts`);
  return { name: d.label, fp32Tflops: d.fp32Tflops, source: DEVICE_SOURCES[d.sources.fp32] };
}

const H100_DATASHEET = 'NVIDIA H100 Tensor Core GPU datasheet (nvidia.com/en-us/data-center/h100): FP32 67 TFLOPS (H100 SXM), 51 (H100 PCIe), 60 (H100 NVL)';
const H200_DATASHEET = 'NVIDIA H200 Tensor Core GPU datasheet (nvidia.com/en-us/data-center/h200): FP32 67 TFLOPS (H200 SXM), 60 (H200 NVL)';

const PEAKS: [RegExp, GpuPeak][] = [
  [/H200.*NVL/i, { name: 'NVIDIA H200 NVL', fp32Tflops: 60, source: H200_DATASHEET }],
  [/H200/i, { name: 'NVIDIA H200 SXM', fp32Tflops: 67, source: H200_DATASHEET }],
  [/H100.*PCIe/i, { name: 'NVIDIA H100 PCIe', fp32Tflops: 51, source: H100_DATASHEET }],
  [/H100.*NVL/i, { name: 'NVIDIA H100 NVL', fp32Tflops: 60, source: H100_DATASHEET }],
  [/H100/i, known('h100-sxm')],
  [/A100/i, known('a100-40gb')],
  [/L40S/i, { name: 'NVIDIA L40S', fp32Tflops: 91.6, source: 'NVIDIA L40S GPU datasheet (nvidia.com/en-us/data-center/l40s): FP32 91.6 TFLOPS' }],
  [/\bL4\b/, known('l4')],
  [/RTX 4090/i, known('rtx4090')],
  [/RTX 3090/i, known('rtx3090')],
  [/\bT4\b/, known('t4')],
  [/V100/i, known('v100')],
];

/** The datasheet peak for an adapter's name, or null when the table has none. */
export function gpuPeak(adapterName: string): GpuPeak | null {
  for (const [pattern, peak] of PEAKS) if (pattern.test(adapterName)) return peak;
  return null;
}
