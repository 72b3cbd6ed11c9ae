/**
 * The GPU scripts have no GPU here: their `--dry-run` runs the same code on the CPU (a small network, wall-clock
 * timing), so a broken import, a torch 1.13 API the script misuses or a malformed output line fails here and not on a
 * lent GPU whose minutes are few. Debian's torch (`/usr/bin/python3`) runs them, as it runs the fixture script.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(script: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the GPU scripts run on the CPU in their dry mode', () => {
  it('bench/gpu_predict.py --dry-run prints the machine line and one JSON line per pass', { timeout: 320_000 }, () => {
    const r = run('bench/gpu_predict.py', '--dry-run');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0].dryRun).toBeTypeOf('string');
    const rows = lines.slice(1);
    // resnet18, float32, NCHW and NHWC: inference at batch 1 and 2, one training step at batch 2.
    expect(rows.map((x) => `${x.layout} ${x.mode} ${x.batch}`)).toEqual([
      'nchw inference 1', 'nchw inference 2', 'nchw training 2', 'nhwc inference 1', 'nhwc inference 2', 'nhwc training 2',
    ]);
    for (const x of rows) {
      expect(x.name).toBe('resnet18');
      expect(x.ms as number).toBeGreaterThan(0);
    }
  });

  it('bench/gpu_predict.py names a bad option value in one line', () => {
    const r = run('bench/gpu_predict.py', '--dtypes', 'fp8');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('gpu_predict: --dtypes: unknown precision "fp8": use float32, tf32, amp, float16, bfloat16');
  });

  it('tools/gpu/peak_memory.py --dry-run sees the step\'s operators of each layer kind in float32 and mixed precision', { timeout: 320_000 }, () => {
    const r = run('tools/gpu/peak_memory.py', '--dry-run');
    expect(r.status, r.stderr).toBe(0);
    const seen = [...r.stdout.matchAll(/dry run on the CPU, (\w+) \((\w+)\), (\w+): (\d+) operators seen, (\d+) convolution_backward/g)];
    // One convolution_backward per conv: resnet18's 20; BlurPool2d's fixed filters and SE's 1x1 convs are convs too.
    // torch 1.13's CPU autocast cannot run GroupNorm: resnet50_gn in float32 only.
    const convs: Record<string, number> = { resnet18: 20, regnet_y_400mf: 85, resnet50_gn: 53, resnetblur18: 24, resnetaa34d: 38, regnety_002: 70 };
    expect(seen.map((m) => `${m[1]} ${m[3]}`)).toEqual(
      Object.keys(convs).flatMap((name) => (name === 'resnet50_gn' ? [`${name} float32`] : [`${name} float32`, `${name} mixed`])),
    );
    for (const m of seen) expect(Number(m[5])).toBe(convs[m[1]]);
  });
});
