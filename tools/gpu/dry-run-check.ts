/**
 * `npm run check:gpu-scripts`: the GPU scripts' `--dry-run` runs the same code on the CPU (a small network,
 * wall-clock timing), so a broken import, a torch 1.13 API the script misuses or a malformed output line shows here
 * and not on a lent GPU whose minutes are few. It needs Debian's torch (`/usr/bin/python3`) and timm (an install,
 * RESNEXT_LAB_REFERENCE or ../shared/reference), as the fixture script does, so it is not part of `npm test`
 * (CI's fresh machine has neither). Exits non-zero with the first failed check.
 */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';

function run(script: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/python3', [script, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function predictDryRun(): void {
  const r = run('bench/gpu_predict.py', '--dry-run');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(typeof lines[0].dryRun, 'string');
  const rows = lines.slice(1);
  // resnet18, float32, NCHW and NHWC: inference at batch 1 and 2, one training step at batch 2.
  assert.deepEqual(rows.map((x) => `${x.layout} ${x.mode} ${x.batch}`), [
    'nchw inference 1', 'nchw inference 2', 'nchw training 2', 'nhwc inference 1', 'nhwc inference 2', 'nhwc training 2',
  ]);
  for (const x of rows) {
    assert.equal(x.name, 'resnet18');
    assert.ok((x.ms as number) > 0, `${JSON.stringify(x)}: no time`);
  }
}

function peakMemoryDryRun(): void {
  const r = run('tools/gpu/peak_memory.py', '--dry-run');
  assert.equal(r.status, 0, r.stderr);
  const seen = [...r.stdout.matchAll(/dry run on the CPU, (\w+) \((\w+)\), (\w+): (\d+) operators seen, (\d+) convolution_backward/g)];
  // One convolution_backward per conv: resnet18's 20; BlurPool2d's fixed filters and SE's 1x1 convs are convs too.
  // torch 1.13's CPU autocast cannot run GroupNorm: resnet50_gn in float32 only.
  const convs: Record<string, number> = { resnet18: 20, regnet_y_400mf: 85, resnet50_gn: 53, resnetblur18: 24, resnetaa34d: 38, regnety_002: 70 };
  assert.deepEqual(
    seen.map((m) => `${m[1]} ${m[3]}`),
    Object.keys(convs).flatMap((name) => (name === 'resnet50_gn' ? [`${name} float32`] : [`${name} float32`, `${name} mixed`])),
  );
  for (const m of seen) assert.equal(Number(m[5]), convs[m[1]], `${m[1]} ${m[3]}`);
}

predictDryRun();
console.log('bench/gpu_predict.py --dry-run: ok');
peakMemoryDryRun();
console.log('tools/gpu/peak_memory.py --dry-run: ok');
