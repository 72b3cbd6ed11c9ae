import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const normalize = (text: string) =>
  text.split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join('\n').trim();

describe('cli', () => {
  it('summary resnext50_32x4d prints the seed\'s torchsummary printout', () => {
    const r = cli('summary', 'resnext50_32x4d');
    expect(r.code).toBe(0);
    expect(normalize(r.stdout)).toBe(normalize(readFileSync('fixtures/seed/resnext50_32x4d.torchsummary.txt', 'utf8')));
  });

  it('summary --json has the documented shape', () => {
    const r = cli('summary', 'resnet18', '--order', 'torchvision', '--json', '--input', '3x64x64', '--classes', '10');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.totals)).toEqual(['params', 'trainable_params', 'macs', 'flops', 'train_macs', 'input_mb', 'forward_backward_mb', 'params_mb', 'total_mb']);
    expect(j.layers[0]).toEqual({ name: 'conv1', type: 'Conv2d', output_shape: [-1, 64, 32, 32], params: 9408, macs: 9408 * 32 * 32, groups: 1 });
    expect(j.layers.at(-1)).toEqual({ name: 'fc', type: 'Linear', output_shape: [-1, 10], params: 5130, macs: 5120, groups: null });
    expect(j.totals.params).toBe(11_181_642);
  });

  it('describes a network by flags and takes the other commands', () => {
    const flags = cli('summary', '--block', 'bottleneck', '--depths', '3,4,6,3', '--cardinality', '32', '--width', '4', '--json');
    expect(JSON.parse(flags.stdout).totals.params).toBe(25_028_904);
    const table = cli('table', 'resnext50_32x4d');
    expect(table.stdout).toContain('[1x1, 128; 3x3, 128, C=32; 1x1, 256] x 3');
    expect(table.stdout).toMatch(/total\s+25,028,904\s+4,230,479,872/);
    const solve = JSON.parse(cli('solve', '--depth', '50', '--cardinality', '8', '--json').stdout);
    expect([solve.widthPerGroup, solve.width]).toEqual([14, 112]);
    const cmp = JSON.parse(cli('compare', 'resnet50', 'resnext50_32x4d', '--json').stdout);
    expect(cmp.models.map((m: { params: number }) => m.params)).toEqual([25_557_032, 25_028_904]);
    const conv = cli('summary', 'resnet50', '--convention', 'fvcore');
    expect(conv.stdout).toContain('4,111,512,576 MACs');
    // The convention's lines end with the training MACs, whatever the convention (FlopCounterMode's rule).
    expect(conv.stdout).toMatch(/\nTraining, forward \+ backward \(FlopCounterMode's rule: convs and fc, input and weight gradients\): 12,149,538,816 MACs per image \(12\.15 GMAC\)\n$/);
    expect(cli('summary', 'resnet50').stdout).not.toContain('Training');
  });

  it.each([
    [['summary', 'resnet18', '--cardinality', '32'], /basic block supports only cardinality 1/],
    [['summary', 'resnet50', '--input', '3x0x224'], /input height must be a positive integer/],
    [['summary', 'resnet50', '--input', 'big'], /malformed/],
    [['summary', 'nope'], /unknown preset "nope"/],
    [['summary', 'resnet50', '--frobnicate'], /unknown option --frobnicate/],
    [['summary', 'resnet50', '--order', 'random'], /--order must be seed or torchvision/],
    [['summary', 'resnet50', '--input', '3x100000x100000'], /multiply-accumulates per image/],
    [['summary', '--depths', '3,x,6,3'], /--depths entry 2 must be a positive integer, got "x"/],
    [['summary', 'resnet50', '--stem-width', '40'], /--stem-width sets the width of timm's deep stems; set the stem to deep or deep_tiered \(the imagenet stem has none\)/],
    [['summary', 'resnet50', '--attn', 'cbam'], /--attn must be one of none, se, eca, got "cbam"/],
    [['summary', 'resnet50', '--cardinality', '9'.repeat(400)], /--cardinality is too large: 9{24}\.\.\. \(400 characters\) has 400 digits/],
    [['solve', '--depth', '50', '--cardinality', '1' + '0'.repeat(399)], /--cardinality is too large/],
    [['solve', '--depth', '50'], /solve needs --depth and --cardinality/],
    [['compare', 'resnet50'], /at least two presets/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('bad input %j: one line, exit 2, no stack', (args, message) => {
    const r = cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
