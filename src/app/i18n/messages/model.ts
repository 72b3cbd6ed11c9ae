/**
 * The Chinese of the messages that src/model and src/analysis write in English (their catalogues,
 * by the same ids). A new id there fails the typecheck here until it is translated.
 */
import { CONFIG_MESSAGES } from '../../../model/config.ts';
import { FORMS_MESSAGES } from '../../../analysis/forms.ts';
import { ANALYSIS_MESSAGES } from '../../../analysis/analyze.ts';
import { COST_MESSAGES } from '../../../analysis/cost.ts';
import { MEMORY_MESSAGES } from '../../../model/memory.ts';
import { PREPROCESS_MESSAGES } from '../../../model/preprocess.ts';
import { IMAGE_MESSAGES } from '../../../model/image/rgb.ts';
import { ORIENTATION_MESSAGES } from '../../../model/image/orientation.ts';
import { FINITE_MESSAGES } from '../../../model/engine/finite-messages.ts';
import { WEIGHTS_MESSAGES } from '../../../model/weights/messages.ts';
import { ENGINE_MESSAGES } from '../../../model/engine/messages.ts';
import { BACKEND_MESSAGES } from '../../../model/tfjs/backend-name.ts';
import { EXPLAIN_MESSAGES } from '../../../model/explain.ts';
import { zhTerm as T } from '../glossary.ts';

export const MODEL_EN = {
  ...CONFIG_MESSAGES,
  ...FORMS_MESSAGES,
  ...ANALYSIS_MESSAGES,
  ...COST_MESSAGES,
  ...MEMORY_MESSAGES,
  ...PREPROCESS_MESSAGES,
  ...IMAGE_MESSAGES,
  ...ORIENTATION_MESSAGES,
  ...FINITE_MESSAGES,
  ...WEIGHTS_MESSAGES,
  ...ENGINE_MESSAGES,
  ...BACKEND_MESSAGES,
  ...EXPLAIN_MESSAGES,
} as const;
type ModelMessageId = keyof typeof MODEL_EN;

/** Each catalogue on its own, for the test that no two use one id. */
export const MODEL_CATALOGUES = [
  CONFIG_MESSAGES, FORMS_MESSAGES, ANALYSIS_MESSAGES, COST_MESSAGES, MEMORY_MESSAGES,
  PREPROCESS_MESSAGES, IMAGE_MESSAGES, FINITE_MESSAGES, WEIGHTS_MESSAGES, ENGINE_MESSAGES, BACKEND_MESSAGES, EXPLAIN_MESSAGES,
] as const;

const REPAIR = '文件已损坏：请使用完好的检查点副本。';

export const MODEL_ZH: { readonly [K in ModelMessageId]: string } = {
  // The config validator (src/model/config.ts).
  'config.notObject': '配置必须是一个对象',
  'config.block': `块类型必须是 "basic" 或 "bottleneck"，实际为 {value}`,
  'config.stem': `${T.stem}必须是 {allowed} 之一，实际为 {value}`,
  'config.implementation': `${T.implementation}必须是 "torchvision" 或 "timm"，实际为 {value}`,
  'config.attention': `${T.attention}必须是 {allowed} 之一，实际为 {value}`,
  'config.avgDown': 'avgDown 必须是 true 或 false，实际为 {value}',
  'config.oneOf': '{what}必须是 {allowed} 之一，实际为 {value}',
  'config.atMost': '{what}最多为 {max}，实际为 {value}',
  'config.convWidths': 'convWidths 必须是卷积名到通道数的对象，例如 "layer1.0.conv2": 18，实际为 {value}',
  'config.convWidthName': '卷积宽度："{name}" 不是卷积模块名：请写 conv1、layer1.0.conv2 或 layer2.0.downsample.0 这样的名字',
  'config.convWidthUnknown': '卷积宽度中的 {names} 在这个网络里没有对应的卷积：卷积名形如 conv1（deep 主干为 conv1.0、.3、.6）、layerN.M.conv1..conv3、layerN.M.downsample.0（avg-down 时为 .1）、layerN.M.se.fc1/fc2 和 maxpool.0',
  'config.groupNormChannels': '{name} 有 {channels} 个通道，GroupNorm 无法把它分成 {groups} 组（PyTorch 会拒绝）：请使用 {groups} 的倍数作为宽度，或改用 batchnorm',
  'config.groupedWidths': '{name} 有 {inChannels} 个输入通道和 {outChannels} 个输出通道，{groups} 组无法整除：请把宽度设为基数 {groups} 的倍数',
  'config.noChannels': '{name} 没有通道（{why}）：请降低首层缩减系数或增大宽度',
  'config.residualShapes': `${T.block} {block} 无法把残差分支（{branch}）与${T.shortcut}（{shortcut}）相加：{why}`,
  'config.residualWhy.aa': `抗混叠池化 {pool} 把奇数边长向下取整，而${T.shortcut}向上取整；timm 的模型在这个输入上同样会失败：请使用各阶段边长保持偶数的输入（例如 224、256 或 288）`,
  'config.residualWhy.widths': `卷积宽度使两者的通道数不同；分支的最后一个卷积和${T.shortcut}卷积必须宽度相同`,
  'config.residualWhy.other': '对这个输入，两条路径给出的形状不同',
  'config.blurTooSmall': '{name}（BlurPool2d）做宽度为 1 的反射填充，PyTorch 拒绝在 {side} 像素的边上这样做：请使用每边至少 {min} 像素的输入',
  'config.poolEmpty': '{name}（{module} {kernel}x{kernel}）在 {side} 像素的边上没有输出，PyTorch 会拒绝：请使用更大的输入',
  'config.notNumber': '{what}必须是数字，实际为 {value}',
  'config.tooLarge': '{what}过大（{value}）：请使用小于 {max} 的正整数',
  'config.notPositive': '{what}必须是正整数，实际为 {value}',
  'config.stemWidthTooLarge': `${T.stemWidth} {value} 过大（最多 {max}）`,
  'config.stemWidthTiered': `${T.stemWidth} {value} 对 deep_tiered ${T.stem}来说过小：它的第一个卷积有 3 x floor(width / 4) 个通道，请至少使用 4`,
  'config.timmOnly': '{features, list}只存在于 timm 的 ResNet 中，torchvision 的 ResNet 没有：请把实现设为 "timm"',
  'config.timmStages': `timm 的 ResNet 恰好有四个${T.stage}（它的 forward 调用 layer1..layer4），实际为 {stages} 个：请填写 4 个深度，或在其他${T.stage}数时使用实现 "torchvision"`,
  'config.timmCifar': `timm 的 ResNet 没有 CIFAR ${T.stem}（它的${T.stem}只有 imagenet、deep 和 deep_tiered）：CIFAR 网络请使用实现 "torchvision"`,
  'config.depthsEmpty': `深度必须列出每个${T.stage}的${T.block}数，例如 3,4,6,3`,
  'config.depthsTooMany': `深度有 {stages} 个${T.stage}；最多支持 8 个（ImageNet 网络有 4 个，CIFAR 网络有 3 个）`,
  'config.tooManyBlocks': `网络有 {blocks, number} 个${T.block}；最多支持 {max, number} 个`,
  'config.baseWidthTooLarge': `${T.baseWidth} {value} 过大（最多 {max}）`,
  'config.basicGroups':
    `${T.basicBlock}只支持${T.cardinality} 1 和每组宽度 64（实际 C={c}，d={d}）：` +
    `它的两个 3x3 卷积没有可以加宽或分组的瓶颈，正如 torchvision 的 BasicBlock 拒绝 groups != 1 或 base_width != 64。` +
    `ResNeXt 请使用块类型 "bottleneck"。`,
  'config.inputShape': '输入必须是 通道 x 高 x 宽，例如 3x224x224，实际为 {value}',
  'config.inputTooLarge': '输入 {c}x{h}x{w} 过大（最多 {maxChannels} 个通道，每边最多 {maxSide} 像素）',
  'config.includeTop': 'includeTop 必须是 true 或 false，实际为 {value}',
  'config.zeroWidth': `planes={planes}、d={d} 时${T.bottleneckWidth} floor(planes * d / 64) * C 为 0：请增大每组宽度 d 或${T.baseWidth}`,
  'config.regnet.depth': 'RegNet 深度 d 必须是正整数（全部块数），得到 {value}：已发布的 RegNet 为 13 到 27',
  'config.regnet.depthTooLarge': 'RegNet 深度 d = {value} 过大（最多 {max}）：论文采样 d < 64',
  'config.regnet.w0': 'w0 必须是 8 的正整数倍（该规则把宽度量化为 8 的倍数），得到 {value}：可用 24、48 或 96',
  'config.regnet.wa': 'wa（宽度 u_j = w0 + wa * j 的斜率）必须不小于 0，得到 {value}：论文采样 0 < wa < 256',
  'config.regnet.wm': 'wm（阶段之间的宽度倍数）必须大于 1，得到 {value}：论文采样 1.5 < wm < 3',
  'config.regnet.groupWidth': '组宽 g 必须是正整数，得到 {value}：已发布的 RegNet 使用 8 到 328',
  'config.regnet.bottleneckRatio': '瓶颈比 b 必须是大于 0 的数（已发布的 RegNet 均为 1），得到 {value}',
  'config.regnet.zeroBottleneck': '第 {stage} 阶段宽度为 {width}、瓶颈比为 {b}：其瓶颈宽度 int(width * b) 为 0；请增大 b 或 w0',
  'config.regnet.groupsDivide': '组宽 {g} 不能整除第 {stage} 阶段的分组卷积（其瓶颈宽度 round(width * {b}) = {width} 不是 {g} 的倍数）：请使用瓶颈比 1，或能整除 {width} 的组宽',
  'config.regnet.rounding': '宽度取整必须是 {allowed} 之一，得到 {value}',
  'config.regnet.seRatio': 'SE 比例必须是 0（RegNetX：无挤压激励）到 1（RegNetY：0.25）之间的数，得到 {value}',
  'config.regnet.timmStages': '宽度规则给出 {stages} 个阶段（宽度 {widths}）；timm 的 RegNet 只运行恰好四个：请修改 wa、wm 或 d，或使用可运行任意阶段数的实现 "torchvision"',
  'config.regnet.tooManyStages': '宽度规则给出 {stages} 个阶段（宽度 {widths}）；最多支持 8 个：请增大 wm 或减小 wa',
  'config.regnet.quantizeTorchvision': 'torchvision 的 RegNet 以自己的方式把瓶颈宽度取整为组宽的倍数（宽度取整 "divisible"）：请使用宽度取整 "divisible"，或实现 "timm"',
  'config.inputMalformed': `${T.inputSize} "{text}" 格式不对：请写成 CxHxW，例如 3x224x224`,
  'config.inputPart': '输入{what}必须是正整数，"{text}" 中为 {value}',
  'config.what.stemWidth': T.stemWidth,
  'config.what.depth': `depths[{index}]（第 {stage} ${T.stage}的${T.block}数）`,
  'config.what.cardinality': T.cardinality,
  'config.what.widthPerGroup': '每组宽度 (d)',
  'config.what.baseWidth': T.baseWidth,
  'config.what.inputChannels': '输入通道数',
  'config.what.inputHeight': '输入高度',
  'config.what.inputWidth': '输入宽度',
  'config.what.classes': T.classes,
  'config.what.channels': '通道数',
  'config.what.height': '高度',
  'config.what.width': '宽度',
  'config.what.block': '块类型',
  'config.what.depths': '深度',
  'config.what.stem': T.stem,
  'config.what.avgDown': `平均池化下采样${T.shortcut}（avg-down）`,
  'config.what.attention': T.attention,
  'config.what.implementation': T.implementation,
  'config.what.input': T.inputSize,
  'config.what.includeTop': `${T.classifierHead}（top）`,
  'config.what.seReduction': 'SE 压缩比',
  'config.what.norm': '归一化',
  'config.what.aa': '抗混叠',
  'config.what.stemPool': `${T.stem}池化`,
  'config.what.downKernel': `${T.shortcut}卷积核`,
  'config.what.reduceFirst': '首层缩减系数',
  'config.what.convWidths': '卷积宽度',
  'config.what.regnetDepth': 'RegNet 深度 d',
  'config.what.w0': 'w0',
  'config.what.wa': '斜率 wa',
  'config.what.wm': '倍数 wm',
  'config.what.groupWidth': '组宽 g',
  'config.what.bottleneckRatio': '瓶颈比 b',
  'config.what.seRatio': 'SE 比例',
  'config.what.widthRounding': '宽度取整',
  'config.parse.positiveInteger': '{what}必须是正整数，实际为 "{text}"',
  'config.parse.tooLarge': '{what}过大：{text} 有 {digits} 位数字；这里的整数最多为 {max}（任何网络中的都远小于此）',
  'config.parse.choice': '{what}必须是 {allowed} 之一，实际为 "{text}"',
  'config.parse.number': '{what}必须是数，实际为 "{text}"',
  'config.unused.resnet': '{what}是 ResNet 的字段；RegNet 的阶段由 d、w0、wa、wm 和 g 生成：请把块类型设为 bottleneck 或 basic 以使用它',
  'config.unused.regnet': '{what}是 RegNet 的字段：请把块类型设为 regnet 以使用它',
  'config.parse.bit': '{what}必须是 0 或 1，实际为 "{text}"',
  'config.parse.list': '{what}必须是以逗号分隔的正整数列表，例如 {example}，实际为 "{text}"',
  'config.parse.widths': '{what}必须列出 卷积=通道数 对，例如 layer1.0.conv2=18,layer1.0.conv3=19（或留空），实际为 "{text}"',
  'config.parse.widthTwice': '{what}两次写到 {name}',
  'config.unused.stemWidth': `{what}设置 timm 的 deep ${T.stem}的宽度；请把${T.stem}设为 deep 或 deep_tiered（{stem} ${T.stem}没有这个宽度）`,
  'config.feature.deepStem': `{stem} ${T.stem}`,
  'config.feature.avgDown': `平均池化${T.shortcut}（avg-down）`,
  'config.feature.se': `${T.se}（SE）${T.attention}`,
  'config.feature.eca': `ECA ${T.attention}`,
  'config.feature.groupNorm': '组归一化（GroupNorm）',
  'config.feature.aa': '抗混叠下采样（{aa}）',
  'config.feature.stemPool': `卷积${T.stem}池化（replace_stem_pool）`,
  'config.feature.downKernel': `{kernel}x{kernel} ${T.shortcut}卷积`,
  'config.feature.reduceFirst': '首层缩减 {factor}',
  'config.feature.seReduction': 'SE 压缩比 {r}',
  'config.feature.convWidths': '逐卷积宽度',
  'config.unused.seReduction': `{what}设置 SE ${T.attention}的压缩；请把${T.attention}设为 se（这个网络是 {attention}）`,
  'config.unused.downKernel': `{what}设置带步长的${T.shortcut}卷积，而 avg-down 用池化加 1×1 卷积代替了它：请关闭 avg-down`,
  'config.unused.stemPool': `{what}设置 ImageNet 或 deep ${T.stem}之后的池化；CIFAR ${T.stem}没有池化`,
  'config.feature.quantize': 'timm 的宽度取整（quantize_float）',

  // The three forms (src/analysis/forms.ts).
  'forms.title.a': `${T.aggregatedTransformations}：C 个${T.path}，相加`,
  'forms.title.b': `提前${T.concatenate}：C 个${T.path}，${T.concatenate}后接一个 1x1`,
  'forms.title.c': `${T.groupedConv}：一个 1x1、一个 C 组的 3x3、一个 1x1`,
  'forms.formula.conv': '{expression}',
  'forms.formula.concat': '{branches} x {channels} 个通道堆叠 = {out}',
  'forms.formula.sum': '{branches} 个 {channels} 通道的分支相加',
  'forms.explain.ab':
    `(a) 到 (b)：{c} 个${T.path}的最后一个 1x1 层各把 {d} 个通道映射到 {cout} 个，输出再相加。` +
    `{c} 个乘积 W_i x_i 之和等于一个乘积 [W_1 ... W_{c}] [x_1; ...; x_{c}]：先把 {c} 个输入${T.concatenate}起来` +
    `（{width} 个通道），再用一个 {width}x1x1x{cout} 层，得到的是同一个和，权重也同样是 {weights} 个。`,
  'forms.explain.bc':
    `(b) 到 (c)：{c} 个${T.path}的第一个 1x1 层读的都是同一个 {cin} 通道的输入，所以可以堆叠成一个 ` +
    `{cin}x1x1x{width} 层（两种写法都是 {firstWeights} 个权重）。之后每个 3x3 只看到自己的 {d} 个通道：` +
    `这就是 {c} 组的${T.groupedConv}，{c} x ({d} x 3 x 3 x {d}) = {groupedWeights} 个权重。`,
  'forms.explain.same':
    `所以三种${T.form}都有 {params} 个卷积权重，每张图像 {macs} 次${T.macs}；` +
    `权重共享时它们的输出相同，只是排列方式不同。torchvision 运行的是${T.form} (c)` +
    '（一个 groups=C 的 Conv2d），因为一个大的卷积核比许多小的更快。',
  'forms.shared.se':
    `bn3 之后的${T.se}（{module}.se）：对 H 和 W 取平均，1×1 卷积 {channels} → {reduced}，ReLU，1×1 卷积回到 {channels}，sigmoid，再乘以输出。它看到的是聚合后的输出，所以在三种${T.form}中都一样。`,
  'forms.shared.eca':
    `bn3 之后的 ECA（{module}.se）：对 H 和 W 取平均，沿通道做卷积核为 {kernel} 的一维卷积，sigmoid，再乘以输出。它看到的是聚合后的输出，所以在三种${T.form}中都一样。`,
  'forms.shared.avgDown':
    `${T.shortcut}（{module}.downsample）：{kernel}×{kernel} 平均池化，步长 {stride}（ceil 模式，填充不计入），再接 1×1 卷积 {in} → {out} 和 BN（ResNet-D）。`,
  'forms.shared.avgDownIdentity':
    `${T.shortcut}（{module}.downsample）：步长为 1 时不池化（Identity），再接 1×1 卷积 {in} → {out} 和 BN（ResNet-D）。`,
  'forms.shared.conv': `${T.shortcut}（{module}.downsample）：1×1 卷积 {in} → {out}，步长 {stride}，再接 BN。`,
  'forms.shared.identity': `${T.shortcut}：恒等映射（这个${T.block}保持形状不变）。`,
  'forms.error.spec': `${T.block}的${T.form}：{what} 必须是正整数，实际为 {value}`,
  'forms.error.stage': `${T.stage}必须在 1 到 {max} 之间，实际为 {value}`,
  'forms.error.regnet': `${T.form} (a)、(b)、(c) 是为 ResNeXt 的${T.bottleneck}绘制的；RegNet 的${T.block}也是${T.bottleneck}（其 3x3 卷积每组 g 个通道），但其${T.stage}由宽度规则生成：请看“设计空间”视图，或把块类型设为 "bottleneck"。`,
  'forms.error.basic':
    `${T.form} (a)、(b)、(c) 描述的是${T.bottleneck}；${T.basicBlock}只有两个不分组的 3x3 卷积，没有可聚合的${T.path}。请选择块类型 "bottleneck"。`,
  'forms.error.block': `{module} 中的${T.block}必须在 0 到 {max} 之间，实际为 {value}`,

  // The analysis budget (src/analysis/analyze.ts).
  'analysis.tooManyParams': `网络将有 {params} 个${T.parameters}（超过 {max}）：请减小宽度、深度或${T.classes}`,
  'analysis.tooManyMacs': `网络每张图像需要 {macs} 次${T.macs}（超过 {max}）：请减小${T.inputSize}、宽度或深度`,

  // The cost options (src/analysis/cost.ts).
  'cost.batchText': `${T.batch}必须是正整数（1, 2, 3, ...），实际为 "{value}"`,
  'cost.batch': `${T.batch}必须是正整数（1, 2, 3, ...），实际为 {value}`,
  'cost.dtype': `${T.precision}必须是 {allowed}，实际为 "{value}"`,
  'cost.layout': '内存布局必须是 {allowed}，实际为 "{value}"',
  'cost.gpus': 'GPU 数量必须是 1 到 {most} 的整数，实际为 "{value}"',
  'cost.gpusSingle': '{device} 在这里是单个设备（设备表中没有互连）：请使用 1 个 GPU，实际为 {value}',
  'cost.optimizer': `${T.optimizer}必须是 {allowed}，实际为 "{value}"`,
  'cost.device': `未知${T.device} "{value}"：请使用 {allowed} 之一`,
  'cost.tooLarge': `批大小 {batch} 需要 {bytes} 字节的${T.trainingMemory}（超过 1e15）：请使用不超过 {most} 的批大小`,
  'cost.tooLargeAtOne': `批大小 {batch} 需要 {bytes} 字节的${T.trainingMemory}（超过 1e15）：这个网络即使批大小为 1 也装不下`,

  // Memory (src/model/memory.ts).
  'memory.why.wasm': 'wasm32 内存止于 4 GiB（tfjs-wasm 堆上限 4,294,901,760 字节）',
  'memory.why.webgpu': '这个 WebGPU 设备每个缓冲区最多绑定 {bytes}（maxStorageBufferBindingSize）',
  'memory.why.webgpuNone': 'WebGPU 设备没有报告缓冲区上限',
  'memory.why.webgl': '这个 WebGL 上下文的纹理最大为 {size}x{size} 个纹素，每个 4 个浮点数',
  'memory.why.webglNone': 'WebGL 上下文没有报告纹理上限',
  'memory.why.cpu': 'cpu 后端把张量放在 JavaScript 内存中',
  'memory.total': `网络在 {backend} 上约需 {bytes}（权重和激活值），超出它的容量：{why}；请换一个${T.backend}或更小的网络`,
  'memory.tensor': '仅 {tensor} 就占 {bytes}，超出 {backend} 的容量：{why}；请使用 wasm 或 cpu 后端',
  'memory.key': '{key}',
  'memory.output': '{layer} 的输出',
  'memory.describe': '文件 {file}，float32 状态字典 {stateDict}，在后端上约 {backendBytes}',

  // Preprocessing (src/model/preprocess.ts).
  'preprocess.inputSize': '输入尺寸必须是 1 到 {max} 之间的整数像素，实际为 {value}',
  'preprocess.cropPct': 'crop_pct 必须是 (0, 1] 之间的数（裁剪区域占缩放后图像的比例），实际为 {value}',
  'preprocess.interpolation': '插值方式必须是 {allowed}，实际为 "{value}"',
  'preprocess.cropMode': '裁剪模式必须是 {allowed}，实际为 "{value}"',
  'preprocess.triple': '{name} 必须是三个有限数（R, G, B），实际为 {value}',
  'preprocess.std': 'std 必须是三个正数，实际为 {value}',
  'preprocess.resizeSide': 'crop_pct {cropPct} 会在裁剪 {inputSize} 之前把图像缩放到每边 {size} 像素；最多 {max}（crop_pct 须大于 {min}）',
  'preprocess.nonFinite': 'mean {mean} 和 std {std} 在 float32 中把像素值 {pixel} 变成 {value}（通道 {channel}），不是有限数：请给出更接近 1 的 std（ImageNet 的是 0.229, 0.224, 0.225）',
  'preprocess.noPixelsLeft': '{width}x{height} 的图像在长边缩放到 {size} 后没有剩下像素',
  'preprocess.describe': '{resize}，mean {mean}，std {std}',
  'preprocess.resize.center': '{interpolation} 缩放短边到 {size}，中心裁剪 {crop}×{crop}',
  'preprocess.resize.squash': '{interpolation} 缩放到 {size}×{size}（不保持宽高比），中心裁剪 {crop}×{crop}',
  'preprocess.resize.border': '{interpolation} 缩放长边到 {size}，中心裁剪或填充到 {crop}×{crop}',

  // Images (src/model/image).
  'image.noPixels': '图像没有像素（{width}x{height}）',
  'image.tooLarge': '图像为 {width}x{height} = {megapixels} 百万像素；最多接受 {max} 百万像素（请先缩小）',
  'image.notImage': '这个文件不是本应用能读取的图像（需要 PNG、JPEG、GIF、WebP 或 BMP）',
  'image.pngTruncated': 'PNG 文件被截断',
  'image.jpegTruncated': 'JPEG 文件被截断或已损坏：找不到帧头',
  'image.gifTruncated': 'GIF 文件被截断',
  'image.undecodable': '图像（{width}x{height}）无法解码：文件已损坏，或是本浏览器无法读取的格式',
  'image.jpegSegment': 'JPEG 文件已损坏：它的段 {marker} 声称长 {length} 字节（至少为 2）',
  'image.jpegTwoFrames': 'JPEG 文件已损坏：它有第二个帧头（libjpeg 拒绝这样的文件）',
  'image.jpegScanFirst': 'JPEG 文件已损坏：扫描出现在帧头之前',
  'image.jpegScans': '这个 {width}x{height} 的 JPEG 有超过 {max} 次扫描（渐进式 JPEG 通常约 10 次）；每次扫描都要重新遍历整幅图像，因此在解码前被拒绝：请重新保存为普通 JPEG',
  'image.bmpTruncated': 'BMP 文件被截断：它在 {bytes} 字节处结束，仍在文件头之内',
  'image.bmpHeader': 'BMP 文件已损坏：它的信息头为 {size} 字节（应为 12、40、108 或 124）',
  'image.resizeTooLarge': '把 {width}x{height} 的图像缩放到 {toWidth}x{toHeight} 需要一个 {megapixels} 百万像素的缓冲区，超过允许的 {max}：请先把图像裁剪成不那么细长的形状',
  'image.decodedSize': '浏览器从一个文件头写明 {headerWidth}x{headerHeight} 的 {kind} 文件解码出 {width}x{height} 像素：已拒绝，文件已损坏或使用了本应用不读取的内容',
  'image.cliFormats': '这个文件不是命令行能读取的图像：需要 PNG 或 JPEG（浏览器中的应用还读取 GIF、WebP 和 BMP）',
  'orientation.turn.2': '左右镜像',
  'orientation.turn.3': '旋转 180°',
  'orientation.turn.4': '上下镜像',
  'orientation.turn.5': '沿左上到右下的对角线镜像',
  'orientation.turn.6': '顺时针旋转 90°',
  'orientation.turn.7': '沿右上到左下的对角线镜像',
  'orientation.turn.8': '逆时针旋转 90°',
  'orientation.ignored': 'EXIF 方向 {tag}（{turn}）未应用：按存储的样子读取，与 Pillow 和 PyTorch 的读法相同',
  'orientation.applied': '已应用 EXIF 方向 {tag}（{turn}），与 Pillow 的 ImageOps.exif_transpose 相同；PyTorch 常用的加载方式不会这样做',
  'image.browserOnly': '这是 {kind} 图像：命令行读取 PNG 和 JPEG（浏览器中的应用也读取 {kind}）；请先转换',

  // The NaN guard (src/model/engine/finite.ts).
  'finite.input': '{what}在第 {index} 个元素（共 {length} 个）处含有 {value}：网络将输出 NaN/Inf（PyTorch 的 logits 会全是 NaN），因此没有预测结果。请修正输入。',
  'finite.theInput': '输入',
  'finite.overflow':
    '网络在 {layer} 处超出 float32 范围：那里的值可达 {value}，超过 float32 的最大值（3.4e38），' +
    'PyTorch 会算出 Inf/NaN：没有预测结果。权重已损坏或尺度异常。',
  'finite.producedAt': '网络输出了 NaN/Inf（在 {layer} 处）：没有预测结果。权重已损坏。',
  'finite.logit': '网络输出了 NaN/Inf（第 {index} 个 logit 为 {value}）：没有预测结果。权重或输入已损坏。',
  'finite.variance': `张量 {key} 在第 {index} 个元素处为 {value}：BatchNorm 要除以 sqrt(running_var + eps) = sqrt({sum})，因此网络会算出 NaN。${REPAIR}`,
  'finite.bnScale':
    'BatchNorm {layer}（通道 {channel}：weight {gamma}，running_var {variance}，running_mean {mean}）把数值放大 {scale} 倍，' +
    '超出 float32 范围（3.4e38）：PyTorch 从这里开始会算出 Inf 和 NaN。文件已损坏或其统计量发散：请使用完好的检查点。',
  'finite.folded':
    '张量 {key} 在输出通道 {channel} 中有一个 {weight} 的权重，BatchNorm {layer} 又把它放大 {scale} 倍：' +
    '超出 float32 范围（3.4e38），几乎对任何输入 PyTorch 都会算出 Inf 和 NaN。文件已损坏：请使用完好的检查点。',

  // Weights (src/model/weights).
  'weights.theFile': '该文件',
  'weights.theSafetensorsFile': '该 safetensors 文件',
  'weights.format': '{name} 不是本应用能读取的权重文件：需要{accepted}。{hint}',
  'weights.accepted': '用 torch.save 保存的 PyTorch state_dict（.pth/.pt，PyTorch >= 1.6 的 zip 格式或之前的旧格式）或 .safetensors 文件',
  'weights.hint.hdf5': '它是 HDF5 文件（Keras .h5？）。',
  'weights.hint.npy': '它是 NumPy .npy 数组。',
  'weights.hint.gzip': '它经过 gzip 压缩：请先解压。',
  'weights.hint.empty': '它是空文件。',
  'weights.hint.none': '',
  'weights.noTensors': '{name} 中没有张量：请用 torch.save(model.state_dict(), path) 保存模型权重',
  'weights.negativeVariance':
    '{name}：张量 {key} 在第 {index} 个元素（共 {length} 个）处含有负方差 {value}：任何数据的方差都不会为负，' +
    `而 BatchNorm 要除以 sqrt(running_var + eps)，因此 PyTorch 从这里开始会算出 NaN 或 Inf。${REPAIR}`,
  'weights.nonfinite':
    '{name} 中的张量 {key} 在第 {index} 个元素（共 {length} 个，以 {dtype} 存储）处含有 {value}：' +
    '权重已损坏或训练已发散；带有这样权重的网络只会算出 NaN。拒绝加载该文件：请使用发散之前的检查点。',
  'weights.unreadable': '{name} 无法读取（{why}）：文件已损坏，或被刻意构造来破坏读取器。{remedy}',
  'weights.remedy': '请重新下载该文件，或用 torch.save(model.state_dict(), path) 重新保存。',
  'weights.inFile': '{name}：{error}',
  'weights.withRemedy': '{error}。{remedy}',
  'weights.mismatch': '权重与网络不匹配（{network}）：\n{problems, lines}{suggestion}',
  'weights.looksLike': '该文件看起来是 ResNet/ResNeXt（{network}），但与之不匹配：\n{problems, lines}',
  'weights.notice.aa': '抗混叠没有权重，因此该文件的键和形状也正是 {names} 的；现按无抗混叠的网络加载：如果它是其中之一，请选择那个预设（或在 --weights 之外给出 --aa {flags}）',
  'weights.notice.aaKind': '卷积主干池化显示该网络有抗混叠，但文件无法说明是哪一种：现假定为 {aa}；如果是另一种，请选择它的预设（或在 --weights 之外给出 --aa {other}）',
  'weights.suggestion': '\n该文件适合的是这个网络：{network}。',
  'weights.noSuggestion': '',
  'weights.missing': '  缺少 {count} 个键：{keys}',
  'weights.unexpected': '  多出 {count} 个键：{keys}',
  'weights.mismatched': '  {count} 处形状不匹配：\n{items, lines}',
  'weights.mismatchedItem': '    {key}：文件中为 {got}，网络需要 {expected}',
  'weights.mismatchedMore': '    ……另有 {count} 处',
  'weights.keys': '{shown}',
  'weights.keysMore': '{shown}，……另有 {count} 个',
  'weights.cannotInfer':
    '无法推断网络：{reason}。需要 torchvision 或 timm 的 ResNet/ResNeXt state_dict（conv1 或 conv1.0...、bn1、layer1.0...、fc）。',
  'weights.reason': '{text}',
  'weights.reason.noKey': '文件中没有 {key}',
  'weights.reason.invalid': '由这些形状得到的网络无效（{error}）',
  'weights.describe': `{block} 块，深度 {depths}，C={c}，d={d}，${T.baseWidth} {base}，{stem}，{extras}{channels} 个输入通道，{head}`,
  'weights.describePreset': '{preset}：{body}',
  'weights.describe.regnet': `RegNet d={d}，w0={w0}，wa={wa}，wm={wm}，g={g}，SE 比例 {se}：${T.stage}宽度 {widths}、深度 {depths}，${T.stemWidth} {stemWidth}，{impl} 的模块，{channels} 个输入通道，{head}`,
  'weights.describe.stem': `{stem} ${T.stem}`,
  'weights.describe.stemWidth': `{stem} ${T.stem}（${T.stemWidth} {width}）`,
  'weights.describe.extras': '{items, list}，',
  'weights.describe.noExtras': '',
  'weights.describe.avgDown': `平均池化${T.shortcut}`,
  'weights.describe.se': T.se,
  'weights.describe.eca': `ECA ${T.attention}`,
  'weights.describe.timm': 'timm 的模块',
  'weights.describe.classes': '{count} 个类别',
  'weights.describe.noClassifier': '无分类器',
  'weights.st.short': 'safetensors：文件只有 {length} 字节，不够放 8 字节的头长度',
  'weights.st.headerPast': 'safetensors：头长度为 {header} 字节，但其后只有 {after} 字节：文件被截断，或者不是 safetensors 文件',
  'weights.st.offsetPast': 'safetensors：张量 {key} 的 data_offsets 为 [{begin}, {end}]，超出了数据末尾（头之后 {length} 字节）：文件被截断或已损坏',
  'weights.zipDamaged': '{name}：zip 压缩包被截断或已损坏（{what}）；torch.load 同样拒绝它。请重新下载该文件，或用 torch.save 重新保存。',

  // The engine (src/model/engine).
  'engine.downloadIncomplete': '下载不完整：收到 {loaded} 字节，共 {total} 字节',
  'engine.downloadFailed': '无法下载 {url}：{why}（处于离线状态，或服务器不允许跨域请求）',
  'engine.downloadHttp': '无法下载 {url}：HTTP {status} {statusText}',
  'engine.noCanvas': '这个 worker 中没有用于解码图像的 2D canvas',
  'engine.noWeights': '尚未加载权重：请先加载 .safetensors 或 .pth 文件',
  'engine.hubPreprocess': '{description}，来自 {repo} 的 config.json（timm 的 pretrained_cfg{test}）；可在下方选择其他预处理',
  'engine.hubTestSize': '，按其测试输入尺寸',
  'engine.hubConfigFailed': '{description}，默认值：{error}',
  'engine.noWeightsExplain': '尚未加载权重：请加载 .safetensors 或 .pth 文件，或使用随机权重',
  'engine.tooLargeToTime': '网络的权重有 {gb} GB：太大，无法在本浏览器中计时（最多 1 GB）',
  'engine.workerFailed': '推理引擎 worker 出错：{why}',
  'engine.workerNoStart': '无法启动（见控制台）',
  'engine.unreadable': '推理引擎 worker 发来了一条无法读取的消息',
  'engine.disposed': '推理引擎已被释放',
  'engine.memory.wasm': 'WebAssembly 内存是 32 位的：最多 4 GiB',
  'engine.memory.device': 'navigator.deviceMemory 报告 {gib} GiB（取整，上限为 8）',
  'engine.memory.assumed': '本浏览器未提供内存数据：假定为 4 GiB',
  'engine.formsPaths': `形式检查把形式 (a) 建成 C = {paths, number} 条独立路径，超过了它能运行的 {max, number} 条：请选较小的${T.cardinality}来做数值检查`,
  'engine.formsWork': '形式检查要把三种形式各运行四次，而这个块每次运行需要 {macs, number} 次乘加，超过了它能运行的 {max, number} 次：请选较小的输入尺寸或宽度',
  'engine.cancelled': '已取消',

  // Backends (src/model/tfjs/backends.ts).
  'backend.noWasm': 'WebAssembly 不可用',
  'backend.noGpu': '缺少 navigator.gpu（本浏览器未启用 WebGPU）',
  'backend.noAdapter': '没有 WebGPU 适配器（requestAdapter() 返回 null）',
  'backend.adapterFailed': 'requestAdapter() 失败：{error}',
  'backend.noOffscreen': '缺少 OffscreenCanvas（在 worker 中使用 WebGL 需要它）',
  'backend.noWebgl2': '没有 WebGL2 上下文',
  'backend.webglFailed': 'WebGL2 失败：{error}',
  'backend.software': '软件适配器：很慢（{software}）；auto 把它排在 wasm 之后',
  // What an output of the network is, and the refusals of layer names (src/model/explain.ts).
  'explain.input': '输入',
  'explain.conv': '{kernel}x{kernel} 卷积，步长 {stride}',
  'explain.convGroups': `{kernel}x{kernel} ${T.groupedConv}，{groups} 组，步长 {stride}`,
  'explain.shortcut': `{what}（${T.shortcut}）`,
  'explain.bn': 'BatchNorm',
  'explain.relu': '{from} 之后的 ReLU',
  'explain.identity': 'Identity（占位模块）：等于 {from}',
  'explain.mean': `{from} 在 H 和 W 上的均值（${T.attention}的挤压）`,
  'explain.mul': `{from} 乘以${T.attention}门控`,
  'explain.add': `残差${T.sum}，在${T.block}最后一个 ReLU 之前`,
  'explain.bottleneckOutput': `${T.bottleneck}的输出`,
  'explain.basicOutput': `${T.basicBlock}的输出`,
  'explain.containerOutput': '{module} 的输出',
  'explain.of': '{from} 的 {what}',
  'explain.sharedCall': '{from} 之后的 {what}，同一个共享模块 {total} 次调用中的第 {k} 次',
  'explain.sharedCallBlock': `{from} 之后的 {what}：${T.block}的输出，同一个共享模块 {total} 次调用中的第 {k} 次`,
  'explain.stageOutput': `${T.stage}输出（= {name}）`,
  'explain.sequentialOutput': 'Sequential 的输出（= {name}）',
  'explain.ambiguous': '{name} 是同一个模块，被调用 {count} 次（PyTorch 在它上面的 forward hook 触发 {count} 次）；请指明是哪一次调用：{calls}',
  'explain.noSuchCall': '{name} 被调用 {count} 次；不存在 {wanted}（请使用 {calls}）',
  'explain.calledOnce': '{name} 只被调用一次：请去掉 ":{k}"',
  'explain.emptyName': `${T.layer}名为空；请指定一个模块，例如 layer1.0.conv2、一个${T.block}（layer1.0）或一个${T.stage}（layer1）`,
  'explain.noLayer': `这个网络没有${T.layer} "{name}"；最接近的名称：{near}`,
  'explain.noLayerHint': `这个网络没有${T.layer} "{name}"：{hint}；最接近的名称：{near}`,
  'explain.camNoHead': `类激活图需要分类器：这个网络没有${T.classifierHead}（全局平均池化 + fc）；请带上顶层构建它`,
  'explain.camNotGap': '类激活图只对以全局平均池化 + fc 结尾的网络是精确的；这个网络不是',
};
