/**
 * `features` and `cam` against PyTorch's forward hooks (fixtures/explain), and their one-line errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLayerGraph } from '../model/graph.ts';
import { randomStateDict } from '../model/tfjs/random.ts';
import { openWeights } from '../model/weights/open.ts';
import { encodeSafetensors } from '../../bench/safetensors-writer.ts';
import { explainModels, maxDiff, readExplain, slice, WEIGHTS_DIR } from '../../test/support/explain-fixtures.ts';
import { readF32 } from '../../test/support/fixture-io.ts';
import { run } from './main.ts';

const runFeatures = (argv: string[]) => run(['features', ...argv]);
const runCam = (argv: string[]) => run(['cam', ...argv]);

const tmp = mkdtempSync(join(tmpdir(), 'explain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOLERANCE = 1e-4;


function raw(model: string): string[] {
  const { doc } = readExplain(model);
  return ['--weights', `${WEIGHTS_DIR}/${doc.weights}`, '--input', `${WEIGHTS_DIR}/${doc.input}`, '--shape', doc.input_shape.join(',')];
}

describe('features', () => {
  it.each(explainModels())('%s: three layers of each kind, config inferred from the weights, equal to the forward hook', async (model) => {
    const { doc, data } = readExplain(model);
    // First, last and one in the middle: the CLI builds a network per call.
    for (const l of [doc.layers[0], doc.layers[Math.floor(doc.layers.length / 2)], doc.layers.at(-1)!]) {
      const out = join(tmp, `${model}-${l.name}.bin`);
      const text = await runFeatures([...raw(model), '--layer', l.name, '--out', out, '--backend', 'cpu']);
      expect(text).toMatch(new RegExp(`^wrote ${l.name.replace(/\./g, '\\.')} \\[${l.shape.join(', ')}\\] float32`));
      expect(maxDiff(readF32(out), slice(data, l.offset, l.shape)), `${model} ${l.name}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('--image: the same preprocessing as predict, equal to the hook on torchvision\'s preprocessing of test.png', async () => {
    const { doc, data } = readExplain('tiny_resnext');
    const l = doc.image!.layers[0];
    const out = join(tmp, 'image.bin');
    const text = await runFeatures(['--weights', `${WEIGHTS_DIR}/tiny_resnext.safetensors`, '--image', 'fixtures/images/test.png', '--layer', l.name, '--out', out]);
    expect(text).toMatch(/of fixtures\/images\/test\.png \(320x240\) to .* \(3x3 conv, 4 groups, stride 2; wasm,/);
    expect(maxDiff(readF32(out), slice(data, l.offset, l.shape))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('takes a preset or flags instead of inferring the network', async () => {
    const { doc, data } = readExplain('tiny_resnet');
    const l = doc.layers.find((x) => x.name === 'layer1.0.relu:2')!;
    const out = join(tmp, 'flags.bin');
    await runFeatures(['--block', 'basic', '--depths', '1,1,1,1', '--base-width', '16', '--classes', '7', ...raw('tiny_resnet'), '--layer', l.name, '--out', out]);
    expect(maxDiff(readF32(out), slice(data, l.offset, l.shape))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('bad input: one clear line each', async () => {
    const out = join(tmp, 'x.bin');
    const base = [...raw('tiny_resnext'), '--out', out];
    await expect(runFeatures([...base, '--layer', 'layer1.0.conv9'])).rejects.toThrow(/^this network has no layer "layer1\.0\.conv9"; nearest names: layer1\.0\.conv1, layer1\.0\.conv2, layer1\.0\.conv3, layer1\.1\.conv1, layer1\.1\.conv2$/);
    await expect(runFeatures([...base, '--layer', 'layer3.1.conv2'])).rejects.toThrow(/layer3 has 1 block \(layer3\.0\); nearest names: /);
    await expect(runFeatures([...base, '--layer', 'layer1.0.act1'])).rejects.toThrow(/act1\.\.act3 are timm's names/);
    await expect(runFeatures([...base, '--layer', 'layer1.0.relu'])).rejects.toThrow(/called 3 times .* name the call: layer1\.0\.relu:1/);
    await expect(runFeatures(base)).rejects.toThrow(/features needs --layer NAME/);
    await expect(runFeatures(['--weights', `${WEIGHTS_DIR}/tiny_resnext.pth`, '--image', 'fixtures/images/not-an-image.jpg', '--layer', 'layer1', '--out', out])).rejects.toThrow(/not-an-image\.jpg: the file is not an image/);
    await expect(runFeatures(['--weights', `${WEIGHTS_DIR}/tiny_resnext.pth`, '--image', 'fixtures/images/nope.png', '--layer', 'layer1', '--out', out])).rejects.toThrow(/cannot read image fixtures\/images\/nope\.png: no such file/);
    await expect(runFeatures([...raw('tiny_resnext'), '--layer', 'layer1'])).rejects.toThrow(/features needs --out FILE\.bin/);
    await expect(runFeatures([...base, '--layer', 'layer1', '--shape', '2,1,64,64'])).rejects.toThrow(/holds 24576 float32 values; --shape 2,1,64,64 needs 8192/);
    await expect(runFeatures([...base, '--layer', 'layer1', '--backend', 'webgl'])).rejects.toThrow(/--backend must be cpu or wasm/);
    const nan = join(tmp, 'nan.bin');
    const values = readF32(`${WEIGHTS_DIR}/tiny_resnext.input.bin`);
    values[7] = NaN;
    writeFileSync(nan, new Uint8Array(values.buffer));
    await expect(runFeatures(['--weights', `${WEIGHTS_DIR}/tiny_resnext.pth`, '--input', nan, '--shape', '2,3,64,64', '--layer', 'layer1', '--out', out])).rejects.toThrow(/holds NaN at element 7/);
    await expect(runFeatures(['--weights', `${WEIGHTS_DIR}/tiny_resnext.pth`, '--input', `${WEIGHTS_DIR}/tiny_resnext.input.bin`, '--shape', '2,3,64,64', '--image', 'fixtures/images/test.png', '--layer', 'layer1', '--out', out])).rejects.toThrow(/either --image FILE or --input/);
    await expect(runFeatures([...base, '--layer', 'layer1', '--shape', '8,3,32,32', ...['--out', join(tmp, 'no-such-folder', 'x.bin')]])).rejects.toThrow(/cannot write the output of layer1 to .*: its folder does not exist/);
  });
});

describe('cam', () => {
  it.each(explainModels())('%s: each sample\'s top-1 CAM equals the fixture; --class K gives class K', async (model) => {
    const { doc, data } = readExplain(model);
    const [n, classes, h, w] = doc.cam.shape;
    const all = slice(data, doc.cam.offset, doc.cam.shape);
    const pick = (ids: number[]) => {
      const out = new Float32Array(n * h * w);
      ids.forEach((c, s) => out.set(all.subarray((s * classes + c) * h * w, (s * classes + c + 1) * h * w), s * h * w));
      return out;
    };
    const out = join(tmp, `${model}-cam.bin`);
    const text = await runCam([...raw(model), '--out', out, '--backend', 'cpu']);
    expect(text).toMatch(new RegExp(`wrote CAM \\[${n}, ${h}, ${w}\\] float32 .*\\(${doc.cam.layer} x fc\\.weight, top-1 classes ${doc.cam.top1.join(', ')};`));
    expect(maxDiff(readF32(out), pick(doc.cam.top1))).toBeLessThanOrEqual(TOLERANCE);
    const k = classes - 1;
    await runCam([...raw(model), '--class', String(k), '--out', out]);
    expect(maxDiff(readF32(out), pick([k, k]))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('--image: equal to the fixture at 224 (a 7x7 map)', async () => {
    const { doc, data } = readExplain('tiny_seresnext_d');
    const cam = doc.image!.cam;
    const out = join(tmp, 'image-cam.bin');
    await runCam(['--weights', `${WEIGHTS_DIR}/tiny_seresnext_d.safetensors`, '--image', 'fixtures/images/test.png', '--out', out]);
    const [, classes, h, w] = cam.shape;
    const c = cam.top1[0];
    expect(maxDiff(readF32(out), slice(data, cam.offset + c * h * w, [h, w]))).toBeLessThanOrEqual(TOLERANCE);
    expect(classes).toBe(10);
  });

  it('bad input: --class out of range or not a number, a network without its head', async () => {
    const out = join(tmp, 'x.bin');
    await expect(runCam([...raw('tiny_resnext'), '--class', '10', '--out', out])).rejects.toThrow(/^--class 10 is out of range: this network has 10 classes \(0\.\.9\)$/);
    await expect(runCam([...raw('tiny_resnext'), '--class', '-1', '--out', out])).rejects.toThrow(/--class must be a class index/);
    await expect(runCam([...raw('tiny_resnext'), '--class', 'cat', '--out', out])).rejects.toThrow(/--class must be a class index/);
    const { config } = readExplain('tiny_resnext');
    const headless = { ...config, includeTop: false };
    const file = join(tmp, 'headless.safetensors');
    writeFileSync(file, encodeSafetensors(randomStateDict(buildLayerGraph(headless), 1)));
    await expect(runCam(['--block', 'bottleneck', '--depths', '2,1,1,1', '--cardinality', '4', '--width', '16', '--base-width', '16', '--no-top',
      '--weights', file, '--input', `${WEIGHTS_DIR}/tiny_resnext.input.bin`, '--shape', '2,3,64,64', '--out', out]))
      .rejects.toThrow(/^class activation maps need the classifier: this network has no head/);
  });
});

describe("timm's RegNet (fixtures/regnet/weights/tiny_regnetx_timm: PyTorch's logits)", () => {
  const R = 'fixtures/regnet/weights';
  const shape = [2, 3, 33, 45];
  const args = ['--weights', `${R}/tiny_regnetx_timm.safetensors`, '--input', `${R}/tiny_regnetx_timm.input.bin`, '--shape', shape.join(','), '--backend', 'cpu'];

  it('a BatchNormAct2d is one module: its name gives its output (after its act), as the forward hook does', async () => {
    const read = async (layer: string) => {
      const out = join(tmp, `regnet-${layer}.bin`);
      await runFeatures([...args, '--layer', layer, '--out', out]);
      return readF32(out);
    };
    const bn = await read('s1.b1.conv1.bn');
    expect(maxDiff(bn, await read('s1.b1.conv1.bn.act'))).toBe(0);
    expect(bn.every((v) => v >= 0)).toBe(true);
    expect((await read('s1.b1.conv1.bn.drop')).some((v) => v < 0)).toBe(true);
  });

  it('cam reads the classifier head.fc: mean over the map + head.fc.bias = PyTorch\'s logits', async () => {
    const logits = readF32(`${R}/tiny_regnetx_timm.logits.bin`);
    const classes = logits.length / shape[0];
    const bias = openWeights(new Uint8Array(readFileSync(`${R}/tiny_regnetx_timm.safetensors`))).read('head.fc.bias').data;
    for (const k of [0, classes - 1]) {
      const out = join(tmp, `regnet-cam-${k}.bin`);
      await runCam([...args, '--class', String(k), '--out', out]);
      const maps = readF32(out);
      const area = maps.length / shape[0];
      for (let n = 0; n < shape[0]; n++) {
        const mean = maps.subarray(n * area, (n + 1) * area).reduce((a, b) => a + b, 0) / area;
        expect(Math.abs(mean + bias[k] - logits[n * classes + k])).toBeLessThanOrEqual(TOLERANCE);
      }
    }
  });
});

describe("timm's RegNetV / RegNetZ / GroupNorm RegNets (fixtures/regnet/weights: PyTorch's logits)", () => {
  const R = 'fixtures/regnet/weights';
  const index = JSON.parse(readFileSync(`${R}/index.json`, 'utf8')) as { models: { name: string; input: number[] }[] };
  const argsOf = (name: string) => {
    const shape = index.models.find((m) => m.name === name)!.input;
    return { shape, args: ['--weights', `${R}/${name}.safetensors`, '--input', `${R}/${name}.input.bin`, '--shape', shape.join(','), '--backend', 'cpu'] };
  };

  it.each(['tiny_regnetv_timm', 'tiny_regnetz_timm', 'tiny_regnety_sgn_timm'])('%s: predict writes PyTorch\'s logits, the config inferred from the file', async (name) => {
    const { args } = argsOf(name);
    const out = join(tmp, `${name}-logits.bin`);
    await run(['predict', ...args, '--out', out]);
    expect(maxDiff(readF32(out), readF32(`${R}/${name}.logits.bin`))).toBeLessThanOrEqual(TOLERANCE);
  });

  it('tiny_regnetv_conv_timm (pre-activation with ReLU): --activation relu completes the inferred network; without it SiLU is assumed', async () => {
    const { args } = argsOf('tiny_regnetv_conv_timm');
    const ref = readF32(`${R}/tiny_regnetv_conv_timm.logits.bin`);
    const out = join(tmp, 'v-conv-logits.bin');
    await run(['predict', ...args, '--activation', 'relu', '--out', out]);
    expect(maxDiff(readF32(out), ref)).toBeLessThanOrEqual(TOLERANCE);
    await run(['predict', ...args, '--out', out]);
    expect(maxDiff(readF32(out), ref)).toBeGreaterThan(1e-2);
  });

  it.each(['tiny_regnetz_timm', 'tiny_regnetv_timm'])('%s: cam maps what the pool averages (final_conv): mean + head.fc.bias = PyTorch\'s logits', async (name) => {
    const { shape, args } = argsOf(name);
    const logits = readF32(`${R}/${name}.logits.bin`);
    const classes = logits.length / shape[0];
    const bias = openWeights(new Uint8Array(readFileSync(`${R}/${name}.safetensors`))).read('head.fc.bias').data;
    const out = join(tmp, `${name}-cam.bin`);
    await runCam([...args, '--class', String(classes - 1), '--out', out]);
    const maps = readF32(out);
    const area = maps.length / shape[0];
    for (let n = 0; n < shape[0]; n++) {
      const mean = maps.subarray(n * area, (n + 1) * area).reduce((a, b) => a + b, 0) / area;
      expect(Math.abs(mean + bias[classes - 1] - logits[n * classes + classes - 1])).toBeLessThanOrEqual(TOLERANCE);
    }
    const text = await runFeatures([...args, '--layer', 'final_conv', '--out', join(tmp, `${name}-final.bin`)]);
    expect(text).toMatch(/^wrote final_conv \[/);
  });
});
