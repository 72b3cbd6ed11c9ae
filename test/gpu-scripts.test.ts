/**
 * What of the GPU scripts runs without torch: their option checking. Their `--dry-run`s need Debian's torch and
 * timm, which CI's fresh machine does not have: `npm run check:gpu-scripts` (tools/gpu/dry-run-check.ts) runs them.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the GPU scripts', () => {
  it('bench/gpu_predict.py names a bad option value in one line', () => {
    const r = spawnSync('python3', ['bench/gpu_predict.py', '--dtypes', 'fp8'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('gpu_predict: --dtypes: unknown precision "fp8": use float32, tf32, amp, float16, bfloat16');
  });
});
