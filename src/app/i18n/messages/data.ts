/**
 * The descriptive parts of the data files in Chinese, keyed by the data's own ids: the sources of the
 * published figures (presets.json `sources`), the pretrained catalogue's sources (pretrained.json,
 * written from each entry's fields by one template per kind, whose English a test checks against the
 * file), the counting conventions, the devices (labels, sources, notes), the published speed facts and
 * the kinds of layer. Paper, tool and document titles stay as they are. English comes from the data
 * itself; a test checks that every id of the data has its Chinese here.
 */
import { defineMessages } from '../define.ts';
import { zhTerm as T } from '../glossary.ts';
import type { Convention } from '../../../analysis/conventions.ts';
import type { LayerCategory } from '../../../analysis/roofline.ts';

/** presets.json `sources`, by id; the `timm:<tag>` sources share one template (`data.source.timm`). */
export const PRESET_SOURCE_ZH: Readonly<Record<string, string>> = {
  tv: 'torchvision 0.14 模型库（IMAGENET1K_V1 权重元数据）',
  tv_new: 'torchvision 0.14 模型库（IMAGENET1K_V1 权重元数据，新训练方案）',
  t1: 'Xie 等 2017，表 1',
  t3: 'Xie 等 2017，表 3（ImageNet-1K，224x224 单裁剪）',
  t4: 'Xie 等 2017，表 4（ImageNet-1K，224x224 单裁剪）',
  t5: 'Xie 等 2017，表 5（ImageNet-1K，320x320 单裁剪）',
  t7: 'Xie 等 2017，表 7（CIFAR，10 次运行的平均错误率）',
  pycls: 'pycls MODEL_ZOO.md（dev/model_error.json，commit 5719de6）：pycls 基线模型在 ImageNet-1k 验证集 224x224 上的 top-1 与 top-5 错误率（timm 的 RegNet 权重即这些模型）',
  wsl: 'Mahajan 等 2018，Exploring the Limits of Weakly Supervised Pretraining（arXiv 1805.00932），ImageNet-1k，224 裁剪',
};

/** The data's templates: English (checked against the data files by a test) and Chinese. */
export default defineMessages(
  {
    'data.source.timm': 'timm results-imagenet.csv (commit aa4b585), param_count of {tag} (millions, 2 decimals)',
    'data.pretrained.tvAccuracy': 'torchvision 0.14 weights metadata ({weights}, ImageNet-1k val, resize {resize}, crop {crop})',
    'data.pretrained.tvPreprocess': 'torchvision 0.14 weights metadata ({weights}.transforms(): resize {resize}, crop {crop}, {interpolation})',
    'data.pretrained.timmAccuracy': 'timm results-imagenet.csv ({tag}, {size}, crop_pct {cropPct}, {interpolation})',
    'data.pretrained.timmPreprocess': 'timm pretrained config of {tag} (resolve_data_config)',
    'data.pretrained.tvName': 'torchvision 0.14 weights metadata',
    'data.pretrained.timmName': 'timm results-imagenet.csv',
    'data.browserLabel': 'This browser (tfjs {backend})',
    'data.browserLabelThreads': 'This browser (tfjs {backend}, {threads, plural, one {# thread} other {# threads}})',
  },
  {
    'data.source.timm': 'timm results-imagenet.csv（commit aa4b585），{tag} 的 param_count（单位百万，保留 2 位小数）',
    'data.pretrained.tvAccuracy': 'torchvision 0.14 权重元数据（{weights}，ImageNet-1k 验证集，缩放 {resize}，裁剪 {crop}）',
    'data.pretrained.tvPreprocess': 'torchvision 0.14 权重元数据（{weights}.transforms()：缩放 {resize}，裁剪 {crop}，{interpolation}）',
    'data.pretrained.timmAccuracy': 'timm results-imagenet.csv（{tag}，{size}，crop_pct {cropPct}，{interpolation}）',
    'data.pretrained.timmPreprocess': 'timm 中 {tag} 的预训练配置（resolve_data_config）',
    'data.pretrained.tvName': 'torchvision 0.14 权重元数据',
    'data.pretrained.timmName': 'timm results-imagenet.csv',
    'data.browserLabel': `${T.thisBrowser}（tfjs {backend}）`,
    'data.browserLabelThreads': `${T.thisBrowser}（tfjs {backend}，{threads} 个线程）`,
  },
);

export const CONVENTION_ZH: Readonly<Record<Convention, { label: string; description: string }>> = {
  paper: {
    label: '论文 / torchvision',
    description: '卷积层和全连接层的乘加次数，不含偏置（即论文中的 "FLOPs"、torchvision 的 "GFLOPS"）。',
  },
  fvcore: {
    label: 'fvcore',
    description: '卷积 + fc 的 MACs，加上每个 BatchNorm 输出元素 2 次、每个自适应平均池化输入元素 1 次（fvcore FlopCountAnalysis）。',
  },
  thop: {
    label: 'thop',
    description: '卷积 + fc 的 MACs，加上每个 BatchNorm 元素 4 次、每个自适应平均池化输出元素 (kernel + 1) 次，以及带偏置卷积的偏置（thop.profile）。',
  },
  ptflops: {
    label: 'ptflops（aten）',
    description: '卷积 + fc 的 MACs，包括 fc 和带偏置卷积的偏置（ptflops get_model_complexity_info）。',
  },
};

/** Device labels (devices.ts `label`), by device name. */
export const DEVICE_LABEL_ZH: Readonly<Record<string, string>> = {
  m40: 'NVIDIA Tesla M40 24 GB（论文所用 GPU）',
  v100: 'NVIDIA Tesla V100 SXM2 32 GB',
  t4: 'NVIDIA T4 16 GB',
  'a100-40gb': 'NVIDIA A100 40 GB SXM',
  'h100-sxm': 'NVIDIA H100 SXM 80 GB',
  l4: 'NVIDIA L4 24 GB',
  rtx3090: 'NVIDIA GeForce RTX 3090 24 GB',
  rtx4090: 'NVIDIA GeForce RTX 4090 24 GB',
  m2: 'Apple M2（10 核 GPU，24 GB）',
  'xeon-8480': 'Intel Xeon Platinum 8480+（56 核，单路）',
};

/** Device notes (devices.ts `note`), by device name. */
export const DEVICE_NOTE_ZH: Readonly<Record<string, string>> = {
  'a100-40gb': 'PyTorch 在 Ampere 及更新的架构上默认以 TF32 运行 float32 卷积（这里为 156 TFLOPS）；FP32 屋顶是严格的那一条。',
  'xeon-8480': '峰值按 2.0 GHz 基础频率计算；AVX-512 和 AMX 代码常常达不到它。',
};

/** Device sources (devices.ts `DEVICE_SOURCES`), by key. */
export const DEVICE_SOURCE_ZH: Readonly<Record<string, string>> = {
  m40:
    'NVIDIA Tesla M40 24 GB 规格（单精度 7.0 TFLOPS，24 GB GDDR5，288 GB/s），引自 Microway，' +
    '"NVIDIA Tesla M40 24GB GPU Accelerator (Maxwell GM200) Up Close"（microway.com/hpc-tech-tips/nvidia-tesla-m40-24gb-gpu-accelerator-maxwell-gm200-close）',
  maxwellFp16: 'Maxwell GM200（Tesla M40）没有双倍速率的 FP16 运算（只有 GM20B 有）：16 位数据按 FP32 速率计算',
  v100:
    'NVIDIA Tesla V100 数据手册，V100 SXM2：FP32 15.7 TFLOPS，张量核心 125 TFLOPS（FP16 乘法、FP32 累加），32 GB HBM2，900 GB/s' +
    '（张量核心数据亦见 NVIDIA，"Programming Tensor Cores in CUDA 9"，developer.nvidia.com/programming-tensor-cores-cuda-9-0）',
  noBf16: 'NVIDIA Ampere 之前没有 BF16 运算：bfloat16 数据按 FP32 速率计算',
  t4: 'NVIDIA T4 Tensor Core GPU 数据手册：FP32 8.1 TFLOPS，混合精度（FP16/FP32）65 TFLOPS，16 GB GDDR6，320 GB/s',
  a100:
    'NVIDIA A100 Tensor Core GPU 数据手册（nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf），' +
    'A100 40 GB SXM：FP32 19.5 TFLOPS，FP16 和 BF16 张量核心 312 TFLOPS（稀疏时 624），40 GB HBM2，1,555 GB/s',
  h100:
    'NVIDIA H100 Tensor Core GPU 数据手册，H100 SXM：FP32 67 TFLOPS，稀疏时 FP16 和 BF16 张量核心 1,979 TFLOPS' +
    '（"specifications are one-half lower without sparsity"：稠密为 989.5），80 GB HBM3，3.35 TB/s',
  l4: 'NVIDIA L4 Tensor Core GPU 数据手册：FP32 30.3 TFLOPS，稀疏时 FP16 和 BF16 张量核心 242 TFLOPS（稠密 121），24 GB GDDR6，300 GB/s',
  rtx3090:
    'NVIDIA Ampere GA102 GPU Architecture 白皮书，附录 A（GeForce RTX 3090）：FP32 35.6 TFLOPS，FP16 和 BF16 张量核心 71 TFLOPS' +
    '（FP32 累加，稀疏时 142），24 GB GDDR6X，936 GB/s',
  rtx4090:
    'NVIDIA Ada Lovelace GPU Architecture 白皮书，附录（GeForce RTX 4090）：FP32 82.6 TFLOPS，FP16 和 BF16 张量核心 165.2 TFLOPS' +
    '（FP32 累加，稀疏时 330.4），24 GB GDDR6X，1,008 GB/s',
  m2:
    'Apple M2，10 核 GPU：1,280 个 FP32 ALU x 2 FLOPs x 1.398 GHz = 3.58 TFLOPS（Apple 未公布 TFLOPS；ALU 数和频率' +
    '取自 P. Turner，"Metal Benchmarks"，github.com/philipturner/metal-benchmarks，其中还测得 FP16 与 FP32 速率相同）',
  m2Memory: 'Apple 新闻稿，"Apple unveils M2"（2022 年 6 月）：统一内存带宽 100 GB/s，统一内存最高 24 GB',
  m2Bf16: 'M2 GPU 没有 BF16 运算：bfloat16 数据按 FP32 速率计算',
  xeon:
    'Intel Xeon Platinum 8480+（ark.intel.com：56 核，基础频率 2.0 GHz，8 通道 DDR5-4800，最高 4 TB）：' +
    'FP32 = 56 核 x 2.0 GHz x 2 个 AVX-512 FMA 单元 x 16 通道 x 2 FLOPs = 7.17 TFLOPS（Intel 64 and IA-32 Architectures Optimization Reference Manual：每核两个 512 位 FMA 单元）',
  xeonFp16: '在同样两个 FMA 单元上的 AVX512-FP16，32 通道：56 x 2.0 GHz x 2 x 32 x 2 = 14.3 TFLOPS',
  xeonBf16:
    'Intel AMX（Intel，"Accelerate Artificial Intelligence Workloads with Intel Advanced Matrix Extensions"）：每核每周期 1,024 次 BF16 运算：' +
    '56 x 2.0 GHz x 1,024 = 114.7 TFLOPS',
  xeonMemory: '8 通道 x 4,800 MT/s x 8 字节 = 307.2 GB/s；每路最多 4 TB 内存（ark.intel.com）',
  launch:
    '每个算子几微秒：CUDA 启动延迟（NVIDIA Technical Blog，"Getting Started with CUDA Graphs"）加上 PyTorch 的' +
    '逐算子分发开销；所有数据手册设备都取 5 us',
  measured: '由推理引擎 worker 在本浏览器中实测（测量）',
};

/** The published speed facts (published-speed.ts), by source: what was timed and on which device. */
export const PUBLISHED_SPEED_ZH: Readonly<Record<string, { what: string; device: string; source: string }>> = {
  'Xie et al. 2017, Aggregated Residual Transformations for Deep Neural Networks, section 5.1': {
    what: '每个 256 张图像的小批量（每个 GPU 32 张）的训练时间，Torch，"with similar FLOPs"',
    device: '8 块 NVIDIA M40 GPU',
    source: 'Xie 等 2017，Aggregated Residual Transformations for Deep Neural Networks，第 5.1 节',
  },
  'Radosavovic et al. 2020, Designing Network Design Spaces (RegNet), Table 3': {
    what: '64 张图像的推理时间；flops 以乘加次数计（B），激活值以百万计（M）',
    device: '一块 NVIDIA V100 GPU',
    source: 'Radosavovic 等 2020，Designing Network Design Spaces（RegNet），表 3',
  },
};

/** The kinds of layer of the roofline and the measurement (roofline.ts `LayerCategory`). */
export const CATEGORY_ZH: Readonly<Record<LayerCategory, string>> = {
  stem: T.stem,
  'dense 1x1': '稠密 1x1',
  'grouped 3x3': '分组 3x3',
  'dense 3x3': '稠密 3x3',
  BN: 'BN',
  ReLU: 'ReLU',
  add: '残差相加',
  pool: '池化',
  fc: 'fc',
  'SE/ECA': 'SE/ECA',
};
