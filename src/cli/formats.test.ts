/** The format flags and the code command through the real CLI process: exit status 2 and one line for bad input. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const refused: [string[], string][] = [
  [['summary', 'resnet18', '--format', 'torchinfo', '--depth', '0'], '--depth must be a positive integer (torchinfo\'s depth: 1 shows the model\'s children), got "0"'],
  [['summary', 'resnet18', '--format', 'torchinfo', '--columns', 'output_size,flops'], 'unknown torchinfo column "flops" in --columns; choose from input_size, output_size, num_params, params_percent, kernel_size, groups, mult_adds, trainable'],
  [['summary', 'resnet18', '--format', 'torchinfo', '--columns', ''], '--columns needs at least one of input_size, output_size, num_params, params_percent, kernel_size, groups, mult_adds, trainable'],
  [['summary', 'resnet18', '--format', 'foo'], '--format must be torchsummary, torchinfo or markdown, got "foo"'],
  [['table', 'resnet18', '--format', 'torchinfo'], '--format must be text or markdown, got "torchinfo"'],
  [['compare', 'resnet18', 'resnet34', '--format', 'csv'], '--format must be text or markdown, got "csv"'],
  [['summary', 'resnet18', '--format', 'torchinfo', '--batch', '0'], '--batch must be a positive integer (the batch size of the input), got "0"'],
  [['summary', 'resnet18', '--format', 'torchinfo', '--batch', '2.5'], '--batch must be a positive integer (the batch size of the input), got "2.5"'],
  [['summary', 'resnet18', '--format', 'torchinfo', '--row-settings', 'depth,tree'], 'unknown torchinfo row setting "tree" in --row-settings; choose from depth, var_names, ascii_only, hide_recursive_layers'],
  [['summary', 'resnet18', '--depth', '2'], "--depth is torchinfo's: add --format torchinfo"],
  [['summary', 'resnet18', '--format', 'markdown', '--batch', '2', '--columns', 'groups'], "--columns, --batch are torchinfo's: add --format torchinfo"],
  [['summary', 'resnet18', '--format', 'torchinfo', '--order', 'seed'], "torchinfo lists torchvision's or timm's modules, which run the shortcut after the residual branch: drop --order seed"],
  [['summary', 'resnet18', '--format', 'torchinfo', '--convention', 'thop'], '--convention does not apply to torchinfo, whose Mult-Adds count every parameter (biases, BatchNorm) once per output position'],
  [['summary', 'resnet18', '--format', 'markdown', '--json'], '--json and --format markdown are two outputs: give one'],
  [['code', 'resnet18', '--framework', 'foo'], '--framework must be torchvision or timm, got "foo"'],
  [['code', 'resnet50d', '--framework', 'torchvision'], "torchvision's ResNet cannot build the deep stem and the average-pool shortcut (avg-down), which exist only in timm: use the timm framework"],
  [['code', 'resnext29_8x64d', '--framework', 'timm'], "timm's ResNet has no CIFAR stem (3x3 conv, no max pool): use the torchvision framework, which writes a self-contained definition"],
  [['code', 'resnet18', 'resnet34'], 'code takes one preset, got resnet18 resnet34'],
];

describe('format flags', () => {
  it.each(refused.map(([args, message]) => [args.join(' '), args, message] as const))('refuses %s in one line', (_name, args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${message}\n`);
  });

  it('takes torchinfo settings, Markdown and code', () => {
    const ti = cli('summary', 'resnet18', '--format', 'torchinfo', '--depth', '1', '--columns', 'kernel_size,mult_adds', '--batch', '2', '--row-settings=');
    expect(ti.code).toBe(0);
    expect(ti.stdout).toMatch(/^Layer \(type\) {29}Kernel Shape {14}Mult-Adds\n/m);
    expect(ti.stdout).toContain('Total mult-adds (G): 3.63\n');
    const md = cli('compare', 'resnet18', 'resnet34', '--format', 'markdown');
    expect(md.stdout.split('\n')[1]).toMatch(/^\|:-+\|-+:\|/);
    const code = cli('code', '--block', 'basic', '--depths', '2,2', '--stem', 'cifar', '--framework', 'torchvision');
    expect(code.stdout).toContain("model = ResNet(BasicBlock, [2, 2], stem='cifar', num_classes=10)\n");
    expect(cli('--help').stdout).toContain('code <preset> [--framework torchvision|timm]');
  });
});
