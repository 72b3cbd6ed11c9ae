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
  h200: 'NVIDIA H200 SXM 141 GB',
  l4: 'NVIDIA L4 24 GB',
  rtx3090: 'NVIDIA GeForce RTX 3090 24 GB',
  rtx4090: 'NVIDIA GeForce RTX 4090 24 GB',
  rtx5090: 'NVIDIA GeForce RTX 5090 32 GB',
  m2: 'Apple M2（10 核 GPU，24 GB）',
  'xeon-8480': 'Intel Xeon Platinum 8480+（56 核，单路）',
};

/** Device notes (devices.ts `note`), by device name. */
export const DEVICE_NOTE_ZH: Readonly<Record<string, string>> = {
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
  h200:
    'NVIDIA H200 Tensor Core GPU 数据手册，H200 SXM：FP32 67 TFLOPS，稀疏时 FP16 和 BF16 张量核心 1,979 TFLOPS（稠密 989.5），' +
    'TF32 张量核心稀疏时 989（稠密 494.7），141 GB HBM3e，4.8 TB/s，NVLink 900 GB/s',
  l4: 'NVIDIA L4 Tensor Core GPU 数据手册：FP32 30.3 TFLOPS，稀疏时 FP16 和 BF16 张量核心 242 TFLOPS（稠密 121），24 GB GDDR6，300 GB/s',
  rtx3090:
    'NVIDIA Ampere GA102 GPU Architecture 白皮书，附录 A（GeForce RTX 3090）：FP32 35.6 TFLOPS，FP16 和 BF16 张量核心 71 TFLOPS' +
    '（FP32 累加，稀疏时 142），24 GB GDDR6X，936 GB/s',
  rtx4090:
    'NVIDIA Ada Lovelace GPU Architecture 白皮书，附录（GeForce RTX 4090）：FP32 82.6 TFLOPS，FP16 和 BF16 张量核心 165.2 TFLOPS' +
    '（FP32 累加，稀疏时 330.4），24 GB GDDR6X，1,008 GB/s',
  rtx5090:
    'NVIDIA RTX Blackwell GPU Architecture 白皮书附录（GeForce RTX 5090）：FP32 104.8 TFLOPS，FP16 和 BF16 张量核心 209.5 TFLOPS' +
    '（FP32 累加；FP16 累加为 419；同样的数据见 main-horse，"Things I learned digging into 5090 perf"，main-horse.github.io/posts/5090-mm-perf 的 "Spec" 列），' +
    '32 GB GDDR7，1,792 GB/s',
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
  noTf32: 'NVIDIA Ampere 之前没有 TF32：float32 仍是 float32（PyTorch 的 allow_tf32 开关不起作用）',
  m40Sm: 'Maxwell GM200（Tesla M40）：24 个 SM，每个 128 条 FP32 通道（共 3,072）；频率 = 7.0 TFLOPS / (3,072 x 2) = 1,140 MHz',
  v100Sm: 'NVIDIA Tesla V100 GPU Architecture 白皮书（2017），表 1：V100 SXM2 有 80 个 SM（5,120 条 FP32 通道），加速频率 1,530 MHz',
  t4Sm: 'NVIDIA Turing GPU Architecture 白皮书附录（Tesla T4）：40 个 SM（2,560 条 FP32 通道），加速频率 1,590 MHz',
  a100Sm: 'NVIDIA A100 Tensor Core GPU Architecture 白皮书（2020），表 3：A100 SXM4 有 108 个 SM，加速频率 1,410 MHz；TF32 张量核心稠密 156 TFLOPS（数据手册：稀疏时 312）',
  h100Sm:
    'NVIDIA H100 Tensor Core GPU Architecture 白皮书：H100 SXM5 有 132 个 SM，每个 128 条 FP32 通道；频率 = 67 TFLOPS / (132 x 128 x 2) = 1,980 MHz；' +
    '数据手册：TF32 张量核心稀疏时 989 TFLOPS，稠密 494.7',
  h200Sm: 'H200 是 H100 SXM 的 GH100 GPU 配 HBM3e（其数据手册给出相同的 FP32 和张量核心数据）：132 个 SM，每个 128 条 FP32 通道；频率 = 67 TFLOPS / (132 x 128 x 2) = 1,980 MHz',
  l4Sm: 'NVIDIA Ada Lovelace GPU Architecture 白皮书：L4 是 AD104，58 个 SM，每个 128 条 FP32 通道；频率 = 30.3 TFLOPS / (58 x 128 x 2) = 2,040 MHz；L4 数据手册：TF32 张量核心稀疏时 120 TFLOPS，稠密 60',
  rtx3090Sm:
    'NVIDIA Ampere GA102 GPU Architecture 白皮书附录 A（GeForce RTX 3090）：82 个 SM，加速频率 1,695 MHz；TF32 张量核心稠密 35.6 TFLOPS（稀疏时 71）；' +
    'FP16 张量核心 FP16 累加稠密 142，FP32 累加（autocast 所用）减半为 71',
  rtx4090Sm:
    'NVIDIA Ada Lovelace GPU Architecture 白皮书附录（GeForce RTX 4090）：128 个 SM，加速频率 2,520 MHz；TF32 张量核心稠密 82.6 TFLOPS；' +
    'FP16 张量核心 FP16 累加稠密 330.3，FP32 累加（autocast 所用）减半为 165.2',
  rtx5090Sm:
    'GeForce RTX 5090（GB202）：170 个 SM，每个 128 条 FP32 通道，加速频率 2,407 MHz（170 x 128 x 2 x 2.407 GHz = 104.8 TFLOPS）；TF32 张量核心稠密 104.8 TFLOPS；' +
    'FP16 张量核心 FP16 累加稠密 419，FP32 累加（autocast 所用）减半为 209.5，与 Turing 以来的每一款 GeForce 卡相同',
  m2Sm: 'Apple M2：10 个 GPU 核心，1,398 MHz（P. Turner，"Metal Benchmarks"）',
  xeonSm: 'Intel Xeon Platinum 8480+：56 核，基础频率 2.0 GHz（ark.intel.com）',
  nvlinkV100:
    'NVIDIA Tesla V100 白皮书：NVLink 2.0，6 条链路，每条每个方向 25 GB/s = 每个 GPU 每个方向 150 GB/s；节点之间按 NVIDIA DGX-1 数据手册的 ' +
    '4 x 100 Gb/s InfiniBand EDR 供 8 个 GPU = 每个 GPU 6.25 GB/s',
  nvlinkA100:
    'NVIDIA A100 白皮书：第三代 NVLink，12 条链路，共 600 GB/s = 每个 GPU 每个方向 300 GB/s；节点之间按 NVIDIA DGX A100 数据手册的 ' +
    '8 x 200 Gb/s HDR InfiniBand 供 8 个 GPU = 每个 GPU 25 GB/s',
  nvlinkH100:
    'NVIDIA H100 数据手册：NVLink 共 900 GB/s = 每个 GPU 每个方向 450 GB/s；节点之间按 NVIDIA DGX H100 数据手册的 8 x 400 Gb/s ConnectX-7 供 8 个 GPU = 每个 GPU 50 GB/s',
  pcie3:
    'PCI Express 3.0 x16（PCI-SIG）：8 GT/s x 16 条通道 x 128/130 = 每个方向 15.75 GB/s；节点之间假定每个 8 卡节点一块 100 Gb/s 以太网卡（每个 GPU 1.56 GB/s）：' +
    '没有厂商系统定义它',
  pcie4:
    'PCI Express 4.0 x16（PCI-SIG）：16 GT/s x 16 条通道 x 128/130 = 每个方向 31.5 GB/s（GeForce 卡：两块以上之间没有 NVLink）；节点之间假定每个 8 卡节点一块 ' +
    '100 Gb/s 以太网卡（每个 GPU 1.56 GB/s）：没有厂商系统定义它',
  pcie5:
    'PCI Express 5.0 x16（PCI-SIG）：32 GT/s x 16 条通道 x 128/130 = 每个方向 63 GB/s（GeForce RTX 5090：没有 NVLink）；节点之间假定每个 8 卡节点一块 ' +
    '100 Gb/s 以太网卡（每个 GPU 1.56 GB/s）：没有厂商系统定义它',
  single: '表中的单个设备：不建模数据并行',
  launch:
    '主机为 eager PyTorch 的一个算子付出的开销：几微秒的 CUDA 启动延迟（NVIDIA Technical Blog，"Getting Started with CUDA Graphs"），' +
    '加上 PyTorch 在主机上的逐算子工作（Python 模块调用、分发器、库的准备），合计每个算子 5 到 25 us；所有数据手册设备都取 10 us' +
    '（GPU 同时在运行之前的算子，所以只有算子比它短时才显现：小批量时）',
  measured: '由推理引擎 worker 在本浏览器中实测（测量）',
  probe: '由 bench/predict.ts 的探测在本 CPU 上实测（PyTorch：一次 GEMM、一次复制、一个微小算子）',
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

/** The time model's constants (timing/constants.ts `GPU_CONSTANT_TABLE`): what each is and its source, by key. */
export const CONSTANT_ZH: Readonly<Record<string, { what: string; source: string }>> = {
  'simt.efficiency': { what: '一个大的卷积矩阵乘法能达到的 FP32 向量峰值的比例', source: '拟合到 pycls 的 V100 float32 推理（ResNet-50/101/152，ResNeXt-50/101/152 32x4d，24 个 RegNet）' },
  'simt.nTile': { what: 'FP32 卷积算子最窄的分块，以每组输出通道数计', source: '在 {32, 64} 中网格搜索，拟合到 pycls 的 V100 float32 推理' },
  'simt.kTile': { what: 'FP32 卷积算子归约维（k）的粒度', source: '固定：CUTLASS 的 SIMT 算子每步 k 为 8' },
  'simt.winograd': { what: '稠密 3x3 步长 1 的 FP32 卷积用 Winograd 减少的乘法倍数（F(2x2, 3x3)：最多 2.25）', source: '固定为 F(2x2, 3x3) 的 2.25（`--fix simt.winograd`）：拟合时它一直停在这个上限，直到加入 FP32 卷积的内存项后漂到 1.86，并把 V100 上 ResNeXt-50 / ResNet-50 的比值从 1.47 变成 1.42' },
  'tensorCores.efficiency': { what: '一个大的卷积矩阵乘法能达到的张量核心峰值的比例', source: '拟合到 timm 的 RTX 3090 autocast NCHW 数据表（推理和训练）；上限为 1（GeForce 卡运行在额定加速频率之上）' },
  'tensorCores.nTile': { what: '张量核心卷积最窄的分块，以每组输出通道数计', source: '在 {16, 32} 中网格搜索，拟合到 timm 的 RTX 3090 autocast 数据表' },
  'tensorCores.kTile': { what: '张量核心 MMA 归约维（k）的粒度，以 16 位元素计（32 字节：TF32 为 8 个元素）', source: '固定：PTX ISA，float16 / bfloat16 的 mma.m16n8k16，TF32 的 mma.m16n8k8' },
  wgradEfficiency: { what: '权重梯度卷积相对于前向卷积的速率', source: '拟合到 timm 的 RTX 3090 NCHW 训练数据表；上限为 1' },
  memoryEfficiency: { what: '逐元素算子能达到的内存带宽的比例', source: '拟合到所有校准数据表；上限 0.9（流式算子最多达到显存峰值的约 90%：V100 实测 900 GB/s 中的 750，Jia 等，"Dissecting the NVIDIA Volta GPU Architecture via Microbenchmarking"，2018）' },
  matrixMemoryEfficiency: { what: 'FP32 向量单元卷积在受自身读写限制时能达到的上述带宽的比例（通道少：NCHW 操作数被收集进共享内存分块，而不是流式读写）', source: '拟合到 pycls 的 V100 float32 推理；由小的 RegNet（56 x 56 和 28 x 28 上的 24-56 个通道）约束' },
  depthwiseEfficiency: { what: '深度卷积（模糊池化的固定滤波器）能达到的上述带宽的比例', source: '拟合到 timm 的 RTX 3090 NCHW 数据表（由 resnetblur 各行约束）' },
  minKernelUs: { what: 'GPU 上最短的算子，微秒（设备上的启动延迟）', source: '在 2-10 微秒内拟合到所有校准数据表（一次启动需几微秒：NVIDIA Technical Blog，"Getting Started with CUDA Graphs"；一次 cuDNN 调用可能运行 2-3 个内核）' },
  nchwPasses: { what: '前向张量核心卷积为把 NCHW 转成 NHWC 再转回，遍历其输入和输出的次数', source: '拟合到 timm 的 RTX 3090 NCHW 推理数据表（仅作对照的 NHWC 数据表检验它）' },
  nchwPassesBackward: { what: '输入梯度和权重梯度卷积的同一次数', source: '拟合到 timm 的 RTX 3090 NCHW 训练数据表（仅作对照的 NHWC 数据表检验它）' },
  plainConvPassShare: { what: '1x1、步长 1 的卷积付出的这些遍数的比例：在 NCHW 数据上它是每张图一次矩阵乘法，无需转置，cudnn.benchmark 在 NCHW 内核更快处保留它', source: '拟合到 timm 的 RTX 3090 NCHW 数据表；取值 0-1（1：每个卷积都转置；0：平面卷积都不转置）' },
};
