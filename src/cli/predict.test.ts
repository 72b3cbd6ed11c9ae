import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, readF32 } from '../../test/support/fixture-io.ts';
import { decodeF32LE, encodeF32LE } from './predict.ts';
import { run } from './main.ts';

const runPredict = (argv: string[]) => run(['predict', ...argv]);

const W = 'fixtures/weights';
const tmp = mkdtempSync(join(tmpdir(), 'predict-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe('predict', () => {
  it.each(['cpu', 'wasm'])('raw NCHW in, PyTorch logits out on %s (architecture from the flags)', async (backend) => {
    const out = join(tmp, `logits-${backend}.bin`);
    const text = await runPredict([
      '--block', 'bottleneck', '--depths', '2,1,1,1', '--cardinality', '4', '--width', '16', '--base-width', '16', '--classes', '10',
      '--weights', `${W}/tiny_resnext.pth`, '--input', `${W}/tiny_resnext.input.bin`, '--shape', '2,3,64,64', '--out', out, '--backend', backend,
    ]);
    expect(text).toMatch(/wrote logits \[2, 10\]/);
    expect(maxAbsDiff(readF32(out), readF32(`${W}/tiny_resnext.logits.bin`))).toBeLessThanOrEqual(1e-4);
  });

  it('--aa with --weights and no preset completes the inferred network (anti-aliasing leaves no trace in a file)', async () => {
    const F = 'fixtures/family/weights';
    const run = async (extra: string[], name: string) => {
      const out = join(tmp, `${name}.bin`);
      await runPredict(['--weights', `${F}/fam_blur_basic.safetensors`, '--input', `${F}/fam_blur_basic.input.bin`, '--shape', '2,3,37,37', '--out', out, '--backend', 'cpu', ...extra]);
      return maxAbsDiff(readF32(out), readF32(`${F}/fam_blur_basic.logits.bin`));
    };
    expect(await run(['--aa', 'blur'], 'blur')).toBeLessThanOrEqual(1e-4);
    // Without it the file loads as the plain network, which computes something else.
    expect(await run([], 'plain')).toBeGreaterThan(1e-3);
  });

  it('an image prints the top 5 with probabilities', async () => {
    const text = await runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--image', 'fixtures/images/test.png']);
    const rows = text.trim().split('\n');
    expect(rows[0]).toMatch(/test\.png \(320x240\) on wasm/);
    expect(rows.slice(1)).toHaveLength(5);
    for (const r of rows.slice(1)) expect(r).toMatch(/^\s+\d+\.\d\d%\s+\d+\s+class \d$/);
  });

  it('refuses to run without weights', async () => {
    await expect(runPredict(['resnet50', '--image', 'fixtures/images/test.png'])).rejects.toThrow(/needs --weights FILE.*random weights are not a prediction/);
  });

  it('a preset that disagrees with the weights gives the strict check error', async () => {
    await expect(runPredict(['resnet50', '--weights', `${W}/tiny_resnext.safetensors`, '--image', 'fixtures/images/test.png'])).rejects.toThrow(/do not fit the network.*missing/s);
  });

  it('a raw file that does not match --shape', async () => {
    await expect(runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--input', `${W}/tiny_resnext.input.bin`, '--shape', '1,3,64,64', '--out', join(tmp, 'x.bin')]))
      .rejects.toThrow(/holds 24576 float32 values; --shape 1,3,64,64 needs 12288/);
    await expect(runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--input', `${W}/tiny_resnext.input.bin`, '--shape', '2,3,64,64', '--out', join(tmp, 'no-such-folder', 'x.bin')]))
      .rejects.toThrow(/cannot write the logits to .*no-such-folder.*: its folder does not exist/);
    await expect(runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--input', `${W}/tiny_resnext.input.bin`, '--shape', '2,3,64', '--out', 'x'])).rejects.toThrow(/four positive integers/);
  });

  it('a non-image, a missing file, a truncated weights file', async () => {
    await expect(runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--image', 'fixtures/images/not-an-image.jpg'])).rejects.toThrow(/not an image/);
    await expect(runPredict(['--weights', `${W}/nope.safetensors`, '--image', 'fixtures/images/test.png'])).rejects.toThrow(/cannot read weights .*no such file/);
    await expect(runPredict(['--weights', 'https://huggingface.co/timm/x/resolve/main/model.safetensors', '--image', 'fixtures/images/test.png'])).rejects.toThrow(/cannot read weights https:\/\/huggingface\.co\/\S+: it is a URL, and the CLI reads local files only; download it first \(curl -LO/);
    const cut = join(tmp, 'cut.safetensors');
    writeFileSync(cut, readFileSync(`${W}/tiny_resnext.safetensors`).subarray(0, 5000));
    await expect(runPredict(['--weights', cut, '--image', 'fixtures/images/test.png'])).rejects.toThrow(/truncated/);
  });

  it('refuses devices, pipes and folders instead of reading them without end (/dev/zero)', async () => {
    await expect(runPredict(['--weights', '/dev/zero', '--image', 'fixtures/images/test.png'])).rejects.toThrow(/cannot read weights \/dev\/zero: it is not a regular file/);
    await expect(runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--input', '/dev/zero', '--shape', '2,3,64,64', '--out', join(tmp, 'z.bin')]))
      .rejects.toThrow(/cannot read input \/dev\/zero: it is not a regular file/);
    await expect(runPredict(['--weights', W, '--image', 'fixtures/images/test.png'])).rejects.toThrow(/cannot read weights fixtures\/weights: it is a folder/);
  });

  it('refuses an input holding NaN, naming the element, instead of printing logits', async () => {
    const x = readF32(`${W}/tiny_resnext.input.bin`);
    x[7] = NaN;
    const bad = join(tmp, 'nan.bin');
    writeFileSync(bad, encodeF32LE(x));
    await expect(runPredict(['--weights', `${W}/tiny_resnext.safetensors`, '--input', bad, '--shape', '2,3,64,64', '--out', join(tmp, 'nan-out.bin')]))
      .rejects.toThrow(/nan\.bin holds NaN at element 7 of 24576: the network would produce NaN\/Inf/);
  });

  it('float32 little-endian round trip', () => {
    const v = Float32Array.of(1.5, -2, 3.25e-8);
    expect(encodeF32LE(v)[0]).toBe(0);
    expect([...decodeF32LE(encodeF32LE(v))]).toEqual([...v]);
  });
});
