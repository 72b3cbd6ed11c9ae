/**
 * The network as runnable PyTorch code: the shortest Python snippet that builds exactly the network
 * of a config (same modules, parameters and state_dict keys) with torchvision or timm.
 *
 * - torchvision: the zoo function for a torchvision model (`resnext50_32x4d()`, its ImageNet weights
 *   in a comment), `ResNet(Bottleneck, [3, 4, 6, 3], groups=8, width_per_group=14)` for any other
 *   network torchvision's ResNet can build, and a self-contained definition (torch only, torchvision's
 *   module names and forward) for what it cannot: the CIFAR stem, other base widths, other numbers of
 *   stages, other input channels, no classifier.
 * - timm: `timm.create_model('seresnext50_32x4d')` for a timm model, else `timm.models.resnet.ResNet(...)`
 *   with the keyword arguments.
 */
import { ConfigError, isRegNet, regnetOf, timmOnlyFeatures, type Implementation, type NetworkConfig } from '../model/config.ts';
import { buildLayerGraph } from '../model/graph.ts';
import { PRESETS, type Preset } from '../model/presets.ts';
import { sameArchitecture } from '../model/config-fields.ts';
import { checkBudget } from './analyze.ts';
import { totalMacs, totalParams } from './counts.ts';
import { thousands } from './format.ts';

/** Whose classes the snippet uses. */
export type CodeFramework = Implementation;
export const CODE_FRAMEWORKS: readonly CodeFramework[] = ['torchvision', 'timm'];

/** The preset of that framework's model zoo whose architecture is the config's, if any. */
function zooPreset(config: NetworkConfig, framework: CodeFramework): Preset | undefined {
  return PRESETS.find((p) => (framework === 'timm' ? p.timm : p.torchvision) && sameArchitecture({ ...p.config, implementation: framework }, config));
}

function pyList(values: readonly number[]): string {
  return `[${values.join(', ')}]`;
}

/** `name=value` pairs, skipping the undefined ones. */
function kwargs(pairs: [string, string | number | undefined][]): string[] {
  return pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/** Why torchvision's ResNet family cannot build the config at all (timm-only modules), or null. */
function torchvisionRefusal(config: NetworkConfig): string | null {
  const missing = timmOnlyFeatures(config).map((m) => m.text);
  if (!missing.length) return null;
  const what = missing.length > 1 ? `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}, which exist` : `${missing[0]}, which exists`;
  return `torchvision's ResNet cannot build ${what} only in timm: use the timm framework`;
}

function timmRefusal(config: NetworkConfig): string | null {
  if (config.stem === 'cifar') return 'timm\'s ResNet has no CIFAR stem (3x3 conv, no max pool): use the torchvision framework, which writes a self-contained definition';
  if (config.depths.length !== 4) {
    return `timm's ResNet runs exactly 4 stages (its forward calls layer1 to layer4; this network has ${config.depths.length}): use the torchvision framework, which writes a self-contained definition`;
  }
  return null;
}

/** The config can be passed to torchvision's own `ResNet` class. */
function torchvisionResNetBuilds(config: NetworkConfig): boolean {
  return config.stem === 'imagenet' && config.depths.length === 4 && config.baseWidth === 64 && config.input[0] === 3 && config.includeTop;
}

const BOTTLENECK = `class Bottleneck(nn.Module):
    """torchvision's Bottleneck: 1x1, grouped 3x3 (with the stride), 1x1; one ReLU module called three times."""

    expansion = 4

    def __init__(self, inplanes, planes, stride, downsample, groups, width_per_group):
        super().__init__()
        width = planes * width_per_group // 64 * groups
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)
`;

const BASIC = `class BasicBlock(nn.Module):
    """torchvision's BasicBlock: two 3x3 convs (the first with the stride); one ReLU module called twice."""

    expansion = 1

    def __init__(self, inplanes, planes, stride, downsample, groups, width_per_group):
        super().__init__()
        del groups, width_per_group  # a basic block has no bottleneck to group or widen
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)
`;

const RESNET = `class ResNet(nn.Module):
    """torchvision's ResNet (module names, forward) with a choice of stem, base width, stages and head."""

    def __init__(self, block, layers, groups=1, width_per_group=64, base_width=64, stem='imagenet',
                 in_channels=3, num_classes=1000, include_top=True):
        super().__init__()
        self.groups, self.base_width, self.include_top = groups, width_per_group, include_top
        if stem == 'imagenet':
            self.conv1 = nn.Conv2d(in_channels, base_width, 7, 2, padding=3, bias=False)
        else:  # 'cifar': 3x3 conv, stride 1, no max pool
            self.conv1 = nn.Conv2d(in_channels, base_width, 3, 1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(base_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, padding=1) if stem == 'imagenet' else None
        self.stages = len(layers)
        inplanes = base_width
        for i, depth in enumerate(layers):
            planes, stride = base_width * 2 ** i, 1 if i == 0 else 2
            downsample = None
            if stride != 1 or inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(inplanes, planes * block.expansion, 1, stride, bias=False),
                    nn.BatchNorm2d(planes * block.expansion))
            blocks = [block(inplanes, planes, stride, downsample, groups, width_per_group)]
            inplanes = planes * block.expansion
            blocks += [block(inplanes, planes, 1, None, groups, width_per_group) for _ in range(1, depth)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
        if include_top:
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(inplanes, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        for i in range(self.stages):
            x = getattr(self, f'layer{i + 1}')(x)
        if self.include_top:
            x = self.fc(torch.flatten(self.avgpool(x), 1))
        return x
`;

/** The comment line naming the network and its parameters; refuses, as `summary` does, a network past the size budget. */
function describe(config: NetworkConfig): string {
  const graph = buildLayerGraph(config);
  const params = totalParams(graph);
  checkBudget(params, totalMacs(graph));
  const named = PRESETS.find((p) => sameArchitecture({ ...p.config, implementation: config.implementation }, config));
  const what = named ? named.label : isRegNet(config)
    ? `Custom RegNet (stages of widths ${regnetOf(config).stages.map((s) => s.width).join(',')}, depths ${regnetOf(config).stages.map((s) => s.depth).join(',')})`
    : `Custom network (${config.block} blocks, depths ${config.depths.join(',')})`;
  const head = config.includeTop ? `${config.classes} classes` : 'no classifier';
  return `# ${what}: ${thousands(params)} parameters (input ${config.input.join('x')}, ${head})`;
}

function torchvisionCode(config: NetworkConfig): string {
  const block = config.block === 'bottleneck' ? 'Bottleneck' : 'BasicBlock';
  const bottleneckArgs: [string, number | undefined][] = config.block === 'bottleneck'
    ? [['groups', config.cardinality], ['width_per_group', config.widthPerGroup]]
    : [];
  if (torchvisionResNetBuilds(config)) {
    const zoo = zooPreset(config, 'torchvision');
    if (zoo) {
      const call = `${zoo.name}(${kwargs([['num_classes', config.classes === 1000 ? undefined : config.classes]]).join(', ')})`;
      const weights = config.classes === 1000 ? `  # ImageNet weights: ${zoo.name}(weights='IMAGENET1K_V1')` : '';
      return `from torchvision.models import ${zoo.name}\n\nmodel = ${call}${weights}\n`;
    }
    const args = [block, pyList(config.depths), ...kwargs([...bottleneckArgs, ['num_classes', config.classes]])];
    return `from torchvision.models.resnet import ${block}, ResNet\n\nmodel = ResNet(${args.join(', ')})\n`;
  }
  const args = [block, pyList(config.depths), ...kwargs([
    ...bottleneckArgs,
    ['base_width', config.baseWidth === 64 ? undefined : config.baseWidth],
    ['stem', config.stem === 'imagenet' ? undefined : `'${config.stem}'`],
    ['in_channels', config.input[0] === 3 ? undefined : config.input[0]],
    ['num_classes', config.includeTop ? config.classes : undefined],
    ['include_top', config.includeTop ? undefined : 'False'],
  ])];
  return ['import torch', 'from torch import nn', '', '', config.block === 'bottleneck' ? BOTTLENECK : BASIC, '', RESNET, '',
    `model = ResNet(${args.join(', ')})\n`].join('\n');
}

function timmCode(config: NetworkConfig): string {
  const head: [string, string | number | undefined][] = config.includeTop
    ? [['num_classes', config.classes === 1000 ? undefined : config.classes]]
    : [['num_classes', 0], ['global_pool', "''"]];
  const inChans: [string, number | undefined] = ['in_chans', config.input[0] === 3 ? undefined : config.input[0]];
  const zoo = zooPreset(config, 'timm');
  if (zoo) {
    return `import timm\n\nmodel = timm.create_model(${[`'${zoo.name}'`, ...kwargs([inChans, ...head])].join(', ')})\n`;
  }
  const block = config.block === 'bottleneck' ? 'Bottleneck' : 'BasicBlock';
  const deep = config.stem === 'deep' || config.stem === 'deep_tiered';
  const channels = config.depths.map((_, i) => config.baseWidth * 2 ** i);
  const defaultChannels = config.baseWidth === 64;
  const se = config.attention === 'se' && config.seReduction !== 16;
  const narrowed = Object.keys(config.convWidths).length > 0;
  const attn = config.attention === 'none' ? undefined : se ? `partial(get_attn('se'), rd_ratio=1 / ${config.seReduction})` : `'${config.attention}'`;
  const args = kwargs([
    ['block', block],
    ['layers', pyList(config.depths)],
    ['cardinality', config.block === 'bottleneck' ? config.cardinality : undefined],
    ['base_width', config.block === 'bottleneck' ? config.widthPerGroup : undefined],
    ['stem_type', deep ? `'${config.stem}'` : undefined],
    ['stem_width', deep ? config.stemWidth : undefined],
    ['replace_stem_pool', config.stemPool === 'conv' ? 'True' : undefined],
    ['avg_down', config.avgDown ? 'True' : undefined],
    ['down_kernel_size', config.downKernel !== 1 && !config.avgDown ? config.downKernel : undefined],
    ['block_reduce_first', config.reduceFirst !== 1 ? config.reduceFirst : undefined],
    ['norm_layer', config.norm === 'groupnorm' ? "'groupnorm'" : undefined],
    ['aa_layer', config.aa === 'blur' ? 'BlurPool2d' : config.aa === 'avgpool' ? 'nn.AvgPool2d' : undefined],
    ['block_args', attn === undefined ? undefined : `dict(attn_layer=${attn})`],
    ['channels', defaultChannels ? undefined : `(${channels.join(', ')})`],
    inChans,
    ...(config.includeTop ? [['num_classes', config.classes] as [string, number]] : head),
  ]);
  const layers = [config.aa === 'blur' ? 'BlurPool2d' : '', se ? 'get_attn' : ''].filter(Boolean);
  const imports = [
    se ? 'from functools import partial\n' : '',
    narrowed ? 'import torch\n' : '',
    narrowed || config.aa === 'avgpool' ? 'from torch import nn\n' : '',
    layers.length ? `from timm.layers import ${layers.join(', ')}\n` : '',
    `from timm.models.resnet import ${block}, ResNet\n`,
  ].join('');
  const build = `model = ResNet(${args.join(', ')})\n`;
  if (!narrowed) return `${imports}\n${build}`;
  const widths = Object.entries(config.convWidths).map(([k, v]) => `'${k}': ${v}`).join(', ');
  return `${imports}\n\n${NARROW_CONVS}\n\n${build}model = narrow_convs(model, {${widths}}, (${config.input.join(', ')}))\n`;
}

/**
 * A helper the snippet defines for per-conv widths (timm has no argument for them; its own pruned
 * models are narrowed from a file of shapes): one forward pass in call order re-makes each conv whose
 * width is set or whose input changed, and each norm and the classifier after one, so every layer
 * follows the narrowed convs; attention modules keep their squeeze, as timm builds them unpruned.
 */
const NARROW_CONVS = `def narrow_convs(model, widths, input_size):
    """Sets the output channels of the named convs; the layers that read them follow."""
    modules = dict(model.named_modules())
    gated = {}  # SE module -> the channels it gates (its fc2 gives as many)

    def remake(name, m, channels):
        if name.endswith('.se') and not isinstance(m, nn.Conv2d):
            gated[name] = channels
        elif isinstance(m, nn.Conv2d):
            out = widths.get(name, gated[name[:-4]] if name.endswith('.se.fc2') else m.out_channels)
            if (channels, out) != (m.in_channels, m.out_channels):
                new = nn.Conv2d(channels, out, m.kernel_size, m.stride, m.padding, groups=m.groups, bias=m.bias is not None)
                m.in_channels, m.out_channels, m.weight, m.bias = channels, out, new.weight, new.bias
        elif isinstance(m, nn.BatchNorm2d) and m.num_features != channels:
            m.__init__(channels)
        elif isinstance(m, nn.GroupNorm) and m.num_channels != channels:
            m.__init__(m.num_groups, channels)
        elif isinstance(m, nn.Linear) and m.in_features != channels:
            m.__init__(channels, m.out_features)

    hooks = [m.register_forward_pre_hook(lambda m, x, name=name: remake(name, m, x[0].shape[1]))
             for name, m in modules.items()
             if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.GroupNorm, nn.Linear)) or name.endswith('.se')]
    with torch.no_grad():
        model.eval()(torch.zeros(1, *input_size))
    for h in hooks:
        h.remove()
    return model.train()
`;

/**
 * A Python snippet that builds the config's network with `framework` (default: the config's own
 * implementation), or a ConfigError saying why that framework cannot build it.
 */
export function pytorchCode(config: NetworkConfig, framework: CodeFramework = config.implementation): string {
  if (!CODE_FRAMEWORKS.includes(framework)) throw new ConfigError(`framework must be torchvision or timm, got "${String(framework).slice(0, 40)}"`);
  if (isRegNet(config)) return regnetCode(config, framework);
  const refusal = framework === 'torchvision' ? torchvisionRefusal(config) : timmRefusal(config);
  if (refusal) throw new ConfigError(refusal);
  const target: NetworkConfig = { ...config, implementation: framework };
  const body = framework === 'torchvision' ? torchvisionCode(target) : timmCode(target);
  return `${describe(target)}\n${body}`;
}

/** A decimal as Python writes it (24.48, 2.0, 0.25). */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/**
 * A RegNet: the zoo function / `timm.create_model` for a preset of the framework, else torchvision's
 * `RegNet(BlockParams.from_init_params(...))` or timm's `RegNet(RegNetCfg(...))`. torchvision's RegNet
 * has a 3-channel stem and always a classifier; its rounding is its own.
 */
function regnetCode(config: NetworkConfig, framework: CodeFramework): string {
  const target: NetworkConfig = { ...config, implementation: framework };
  if (framework === 'torchvision') {
    if (config.input[0] !== 3 || !config.includeTop) {
      throw new ConfigError('torchvision\'s RegNet has a 3-channel stem and always its classifier: use the timm framework (in_chans, num_classes=0)');
    }
    if (config.widthRounding === 'quantize') {
      throw new ConfigError('torchvision\'s RegNet rounds widths to the group width its own way (width rounding "divisible"), not timm\'s quantize_float: use the timm framework');
    }
    const timmOnly = timmOnlyFeatures(config);
    if (timmOnly.length) throw new ConfigError(`torchvision's RegNet has no ${timmOnly.map((m) => m.text).join(', ')}: use the timm framework`);
  }
  const head = describe(target);
  const zoo = zooPreset(target, framework);
  if (framework === 'torchvision') {
    if (zoo) {
      const call = `${zoo.name}(${kwargs([['num_classes', config.classes === 1000 ? undefined : config.classes]]).join(', ')})`;
      const weights = config.classes === 1000 && zoo.name !== 'regnet_y_128gf' ? `  # ImageNet weights: ${zoo.name}(weights='IMAGENET1K_V1')` : '';
      return `${head}\nfrom torchvision.models import ${zoo.name}\n\nmodel = ${call}${weights}\n`;
    }
    const params = kwargs([
      ['depth', config.regnetDepth], ['w_0', config.w0], ['w_a', pyFloat(config.wa)], ['w_m', pyFloat(config.wm)], ['group_width', config.groupWidth],
      ['bottleneck_multiplier', config.bottleneckRatio === 1 ? undefined : pyFloat(config.bottleneckRatio)],
      ['se_ratio', config.seRatio > 0 ? pyFloat(config.seRatio) : undefined],
    ]);
    const model = kwargs([['num_classes', config.classes], ['stem_width', config.stemWidth === 32 ? undefined : config.stemWidth]]);
    return `${head}\nfrom torchvision.models.regnet import BlockParams, RegNet\n\nparams = BlockParams.from_init_params(${params.join(', ')})\nmodel = RegNet(params, ${model.join(', ')})\n`;
  }
  const headArgs: [string, string | number | undefined][] = config.includeTop
    ? [['num_classes', config.classes === 1000 ? undefined : config.classes]]
    : [['num_classes', 0], ['global_pool', "''"]];
  const inChans: [string, number | undefined] = ['in_chans', config.input[0] === 3 ? undefined : config.input[0]];
  if (zoo) return `${head}\nimport timm\n\nmodel = timm.create_model(${[`'${zoo.name}'`, ...kwargs([inChans, ...headArgs])].join(', ')})\n`;
  const cfg = kwargs([
    ['depth', config.regnetDepth], ['w0', config.w0], ['wa', pyFloat(config.wa)], ['wm', pyFloat(config.wm)], ['group_size', config.groupWidth],
    ['bottle_ratio', config.bottleneckRatio === 1 ? undefined : pyFloat(config.bottleneckRatio)],
    ['se_ratio', config.seRatio > 0 ? pyFloat(config.seRatio) : undefined],
    ['group_min_ratio', config.widthRounding === 'divisible' ? '0.9' : undefined],
    ['stem_width', config.stemWidth === 32 ? undefined : config.stemWidth],
    ['downsample', config.shortcut === 'conv1x1' ? undefined : config.shortcut === 'none' ? 'None' : `'${config.shortcut}'`],
    ['linear_out', config.linearOut ? 'True' : undefined],
    ['preact', config.preact ? 'True' : undefined],
    ['num_features', config.headFeatures || undefined],
    ['act_layer', config.activation === 'relu' ? undefined : `'${config.activation}'`],
    ['norm_layer', config.gnGroupSize ? `partial(GroupNormAct, group_size=${config.gnGroupSize})` : undefined],
  ]);
  const args = [`RegNetCfg(${cfg.join(', ')})`, ...kwargs([inChans, ...(config.includeTop ? [['num_classes', config.classes] as [string, number]] : headArgs)])];
  const gn = config.gnGroupSize ? 'from functools import partial\n\nfrom timm.layers import GroupNormAct\n' : '';
  return `${head}\n${gn}from timm.models.regnet import RegNet, RegNetCfg\n\nmodel = RegNet(${args.join(', ')})\n`;
}
