import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { presetConfig } from '../model/presets.ts';
import { costOf } from '../analysis/cost.ts';
import { findDevice } from '../analysis/devices.ts';

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cli cost', () => {
  it('--json has exactly the documented keys and the analysis figures', () => {
    const r = cli('cost', 'resnext50_32x4d', '--batch', '16', '--dtype', 'bfloat16', '--optimizer', 'adam', '--device', 'a100-40gb', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['totals', 'training', 'layers', 'device']);
    expect(Object.keys(j.totals)).toEqual([
      'params', 'macs', 'train_macs', 'conv_activations', 'saved_activation_bytes', 'params_bytes', 'grads_bytes', 'optimizer_bytes',
      'training_bytes', 'peak_training_bytes', 'inference_peak_bytes', 'predicted_ms', 'train_step_ms', 'train_images_per_s',
    ]);
    for (const l of j.layers) expect(Object.keys(l)).toEqual(['name', 'type', 'macs', 'bytes_read', 'bytes_written', 'intensity', 'bound', 'unit', 'tile_use', 'peak_share', 'predicted_ms']);
    const want = costOf(buildLayerGraph(presetConfig('resnext50_32x4d')), { batch: 16, dtype: 'bfloat16', layout: 'nchw', optimizer: 'adam', device: findDevice('a100-40gb')!, gpus: 1 });
    expect(j.totals.conv_activations).toBe(14_400_512);
    expect(j.totals.saved_activation_bytes).toBe(want.totals.savedActivationBytes);
    expect(j.totals.training_bytes).toBe(want.totals.trainingBytes);
    expect(j.totals.train_macs).toBe(want.totals.trainMacs);
    expect(j.totals.peak_training_bytes).toBe(want.totals.peakTrainingBytes);
    expect(j.totals.predicted_ms).toBeCloseTo(want.totals.predictedMs, 9);
    expect(j.layers).toHaveLength(want.layers.length);
    expect(j.device).toMatchObject({ name: 'a100-40gb', batch: 16, dtype: 'bfloat16', layout: 'nchw', optimizer: 'adam', gpus: 1, peak_tflops: 312, fits: true });
    expect(j.totals.train_step_ms).toBeCloseTo(want.training!.stepMs, 9);
    expect(j.totals.train_images_per_s).toBeCloseTo(16 / (want.training!.stepMs / 1000), 6);
    expect(j.training).toMatchObject({ gpus: 1, epoch_images: 1_281_167 });
  });

  it('--dtype amp --layout nhwc --gpus 8: one data-parallel step, the batch per GPU', () => {
    const r = cli('cost', 'resnet50', '--batch', '64', '--dtype', 'amp', '--layout', 'nhwc', '--gpus', '8', '--device', 'a100-40gb', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const want = costOf(buildLayerGraph(presetConfig('resnet50')), { batch: 64, dtype: 'amp', layout: 'nhwc', optimizer: 'momentum', device: findDevice('a100-40gb')!, gpus: 8 });
    expect(j.totals.train_step_ms).toBeCloseTo(want.training!.stepMs, 9);
    expect(j.totals.train_images_per_s).toBeCloseTo((64 * 8) / (want.training!.stepMs / 1000), 6);
    expect(j.training.exposed_all_reduce_ms).toBeGreaterThan(0);
    expect(j.device).toMatchObject({ dtype: 'amp', layout: 'nhwc', gpus: 8, peak_tflops: 312 });
    const text = cli('cost', 'resnet50', '--batch', '25', '--device', 'v100');
    expect(text.stdout).toContain('predicted training step, batch 25:');
    expect(text.stdout).toMatch(/published: measured 22\.3 ms for an inference pass of 25 images \(shown as 57 ms for 64 images\), predicted [\d.]+ ms/);
  });

  it('prints a readable form by default (batch 32, float32, momentum, v100) and takes config flags', () => {
    const r = cli('cost', 'resnet50');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ResNet-50 at 3x224x224, batch 32, float32, strict FP32 arithmetic (allow_tf32 off), NCHW, on NVIDIA Tesla V100 SXM2 32 GB');
    expect(r.stdout).toContain('activations per image  11,113,984');
    expect(r.stdout).toMatch(/total\s+[\d.]+ GB\n\s+peak of a training step\s+[\d.]+ GB\s+\(backward, at [\w.]+; gradients zeroed by zero_grad, single-tensor optimizer, 512-byte CUDA blocks\)\n\s+fits in 32\.00 GB; largest batch that fits: [\d,]+/);
    expect(r.stdout).toContain('training MACs/image    12,149,538,816 (12.15 GMAC: forward + backward');
    expect(r.stdout).toMatch(/predicted training step, batch 32: .* min per epoch of 1,281,167 images \(ImageNet-1k\); gradients zeroed by zero_grad, single-tensor optimizer\n/);
    expect(r.stdout).toMatch(/per stage:\n.*predicted ms/);
    const flags = cli('cost', '--block', 'bottleneck', '--depths', '3,4,6,3', '--cardinality', '32', '--width', '4', '--json');
    expect(JSON.parse(flags.stdout).totals.conv_activations).toBe(14_400_512);
  });

  it('--set-to-none and --foreach change the peak and the step time as the analysis says', () => {
    const want = (zeroGrad: 'zero' | 'none', foreach: boolean) =>
      costOf(buildLayerGraph(presetConfig('resnet50')), { batch: 4, dtype: 'float32', layout: 'nchw', gpus: 1, optimizer: 'adam', device: findDevice('v100')!, zeroGrad, foreach });
    const run = (...flags: string[]) => JSON.parse(cli('cost', 'resnet50', '--batch', '4', '--optimizer', 'adam', '--json', ...flags).stdout);
    const plain = run();
    const none = run('--set-to-none', '--foreach');
    expect(plain.totals.peak_training_bytes).toBe(want('zero', false).totals.peakTrainingBytes);
    expect(none.totals.peak_training_bytes).toBe(want('none', true).totals.peakTrainingBytes);
    expect(none.totals.peak_training_bytes).not.toBe(plain.totals.peak_training_bytes);
    // The time is of the same step: the per-parameter loop and the adds into zeroed gradients, or neither.
    expect(plain.totals.train_step_ms).toBeCloseTo(want('zero', false).training!.stepMs, 9);
    expect(none.totals.train_step_ms).toBeCloseTo(want('none', true).training!.stepMs, 9);
    expect(plain.totals.train_step_ms).toBeGreaterThan(none.totals.train_step_ms);
    expect([plain.device.zero_grad, plain.device.foreach, none.device.zero_grad, none.device.foreach]).toEqual(['zero', false, 'none', true]);
    expect(cli('cost', 'resnet50', '--foreach=yes').stderr).toMatch(/--foreach takes no value/);
  });

  it('--fast-norm: GroupNorm in float16 under autocast, as timm runs it with --fast-norm; a BatchNorm network is unchanged', () => {
    const run = (net: string, ...flags: string[]) => JSON.parse(cli('cost', net, '--batch', '64', '--dtype', 'amp', '--device', 'rtx3090', '--json', ...flags).stdout);
    const want = (fastNorm: boolean) =>
      costOf(buildLayerGraph(presetConfig('resnet50_gn')), { batch: 64, dtype: 'amp', layout: 'nchw', gpus: 1, optimizer: 'momentum', device: findDevice('rtx3090')!, fastNorm });
    const plain = run('resnet50_gn');
    const fast = run('resnet50_gn', '--fast-norm');
    expect(plain.totals.predicted_ms).toBeCloseTo(want(false).totals.predictedMs, 9);
    expect(fast.totals.predicted_ms).toBeCloseTo(want(true).totals.predictedMs, 9);
    // float32 GroupNorm moves about twice the bytes around each norm: clearly slower.
    expect(plain.totals.predicted_ms).toBeGreaterThan(1.3 * fast.totals.predicted_ms);
    expect(plain.totals.train_step_ms).toBeGreaterThan(1.2 * fast.totals.train_step_ms);
    expect([plain.device.fast_norm, fast.device.fast_norm]).toEqual([false, true]);
    expect(run('resnet50', '--fast-norm').totals.predicted_ms).toBeCloseTo(run('resnet50').totals.predicted_ms, 9);
    expect(cli('cost', 'resnet50_gn', '--batch', '64', '--dtype', 'amp', '--device', 'rtx3090').stdout).toMatch(/GroupNorm in float32 \(autocast's rule; --fast-norm: float16\)/);
  });

  it.each([
    [['--fast-norm'], /--fast-norm runs GroupNorm in float16 under autocast, so it needs --dtype amp, got float32: add --dtype amp or drop --fast-norm/],
    [['--batch', '0'], /--batch: batch size must be a positive whole number \(1, 2, 3, \.\.\.\), got "0"/],
    [['--batch', '-2'], /got "-2"/],
    [['--batch', '1.5'], /got "1\.5"/],
    [['--batch', '100000000000'], /batch 100,000,000,000 would need .* bytes of training memory \(over 1e15\): use a batch of at most [\d,]+/],
    [['--device', 'gtx1080'], /--device: unknown device "gtx1080": use one of m40, v100, t4, a100-40gb, h100-sxm, h200, l4, rtx3090, rtx4090, rtx5090, m2, xeon-8480/],
    [['--dtype', 'fp8'], /--dtype: precision must be float32, tf32, amp, float16 or bfloat16, got "fp8"/],
    [['--layout', 'nhcw'], /--layout: layout must be nchw or nhwc, got "nhcw"/],
    [['--gpus', '0'], /--gpus: the number of GPUs must be a whole number from 1 to 64, got "0"/],
    [['--gpus', '128'], /--gpus: the number of GPUs must be a whole number from 1 to 64, got "128"/],
    [['--gpus', '2', '--device', 'xeon-8480'], /--gpus: xeon-8480 is a single device here \(no interconnect in the device table\): use 1 GPU, got 2/],
    [['--optimizer', 'lion'], /--optimizer: optimizer must be none, sgd, momentum or adam, got "lion"/],
  ])('bad input %j: one line naming the value and the fix, exit 2', (args, message) => {
    const r = cli('cost', 'resnet50', ...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
