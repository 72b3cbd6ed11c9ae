import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, readF32 } from '../../test/support/fixture-io.ts';
import { run } from './main.ts';

const runPredict = (argv: string[]) => run(['predict', ...argv]);
const runPreprocess = (argv: string[]) => run(['preprocess', ...argv]);
const runPretrained = (argv: string[]) => run(['pretrained', ...argv]);

const tmp = mkdtempSync(join(tmpdir(), 'preprocess-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const P = 'fixtures/images/preprocess';
const index = JSON.parse(readFileSync(`${P}/index.json`, 'utf8')) as { cases: { name: string; files: Record<string, string> }[] };
const reference = (name: string, image = 'test.png'): Float32Array => {
  const bytes = gunzipSync(readFileSync(`${P}/${index.cases.find((c) => c.name === name)!.files[image]}`));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

describe('preprocess', () => {
  it.each([
    ['--pretrained resnet50d.ra2_in1k (its test size, 288 / 0.95, as timm measured it)', ['--pretrained', 'resnet50d.ra2_in1k'], 'resnet50d.ra2_in1k.test_size'],
    ['--pretrained resnet50d.ra2_in1k --size 224 --crop-pct 0.875 (its train-size config)', ['--pretrained', 'resnet50d.ra2_in1k', '--size', '224', '--crop-pct', '0.875'], 'resnet50d.ra2_in1k'],
    ['--size 224 --crop-pct 0.875 --interpolation bicubic --mean --std', ['--size', '224', '--crop-pct', '0.875', '--interpolation', 'bicubic', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225'], 'resnet50d.ra2_in1k'],
    ["--pretrained with torchvision's name of the V2 weights", ['--pretrained', 'ResNet50_Weights.IMAGENET1K_V2'], 'torchvision.ResNet50_Weights.IMAGENET1K_V2'],
    ['--size 224 alone (timm\'s defaults: bilinear, 0.875)', ['--size', '224'], 'torchvision.ResNet50_Weights.IMAGENET1K_V1'],
    ['--pretrained resnet50d.ra2_in1k --size 288 --crop-pct 0.95 (test size)', ['--pretrained', 'resnet50d.ra2_in1k', '--size', '288', '--crop-pct', '0.95'], 'resnet50d.ra2_in1k.test_size'],
    ['--crop-mode border', ['--pretrained', 'resnet50d.ra2_in1k', '--size', '224', '--crop-mode', 'border', '--crop-pct', '0.95'], 'border'],
  ])('%s writes timm\'s / torchvision\'s tensor exactly', async (_what, flags, name) => {
    const out = join(tmp, `${name}.bin`);
    const text = await runPreprocess(['--image', 'fixtures/images/test.png', ...flags, '--out', out]);
    expect(text).toMatch(/^fixtures\/images\/test\.png \(320x240\) -> (bilinear|bicubic) resize/);
    expect(text).toMatch(/wrote \[1, 3, (224|288), \1\] float32 NCHW to /);
    expect(maxAbsDiff(readF32(out), reference(name))).toBe(0);
  });

  it.each([
    [[], /needs --image FILE/],
    [['--image', 'fixtures/images/test.png'], /needs --out FILE\.bin/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin'], /give --pretrained TAG \(a catalogue entry\), or --size N/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--pretrained', 'resnet51.tv'], /--pretrained: no pretrained weights "resnet51\.tv"; the catalogue has 213 tags \(`pretrained` lists them\)/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--crop-pct', '0.9'], /--crop-pct needs --size N/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--size', '224', '--interpolation', 'lanczos'], /--interpolation must be bilinear or bicubic, got "lanczos"/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--size', '224', '--crop-mode', 'random'], /--crop-mode must be center, squash, border/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--size', '224', '--mean', '0.5,0.5'], /--mean must be three numbers a,b,c/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--size', '224', '--std', '0.2,0,0.2'], /std must be three positive numbers/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--size', 'big'], /--size must be a number, got "big"/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--size', '0'], /input size must be a whole number of pixels from 1 to 4096, got 0/],
    [['--image', 'fixtures/images/test.png', '--out', 'x.bin', '--size', '224', '--crop-pct', '300'], /crop_pct must be a number above 0 and at most 224 .*got 300/],
    [['--image', 'fixtures/images/not-an-image.jpg', '--out', 'x.bin', '--size', '224'], /not-an-image\.jpg: the file is not an image/],
    [['--image', 'fixtures/images/nope.png', '--out', 'x.bin', '--size', '224'], /cannot read image fixtures\/images\/nope\.png: no such file/],
    [['--image', 'fixtures/images/test.png', '--out', join(tmp, 'no-dir', 'x.bin'), '--size', '224'], /cannot write the tensor to .*no-dir.*: its folder does not exist/],
  ])('%j -> one clear error', async (argv, message) => {
    await expect(runPreprocess(argv)).rejects.toThrow(message);
  });

  it('through the command line: exit status 2 and one line on bad input', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'preprocess', '--image', 'fixtures/images/test.png', '--size', '224', '--interpolation', 'box', '--out', 'x.bin'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error: --interpolation must be bilinear or bicubic, got "box"\n');
  });
});

describe('pretrained', () => {
  it('lists every entry with accuracy, preprocessing, licence and size', async () => {
    const text = await runPretrained([]);
    expect(text).toMatch(/^tag\s+architecture\s+top-1 \/ top-5 %\s+preprocessing\s+licence\s+classes\s+size$/m);
    expect(text).toMatch(/^resnet50\.tv2_in1k\s+resnet50\s+80\.858 \/ 95\.434\s+232 → 224, bilinear\s+BSD 3-Clause\s+1000\s+102 MB$/m);
    expect(text).toMatch(/^resnet50\.a1_in1k\s+resnet50\s+81\.24 \/ 95\.112\s+235 → 224, bicubic; test 288 → 288, bicubic\s+Apache 2\.0\s+1000\s+102 MB$/m);
    expect(text).toMatch(/^regnety_160\.sw_in12k\s+regnety_160\s+-\s+.*11821 \(ImageNet-12k/m);
    expect(text).toMatch(/^regnety_320\.seer\s+.*SEER License, non-commercial use only\s+0 \(no classifier.*\)\s+no classifier$/m);
    expect(text).toContain('213 tags with weights.');
    expect(text).toMatch(/^21 tags without weights \(architectures only\): .*resnet200\.untrained/m);
    expect(text).toMatch(/^resnext101_32x16d\.fb_wsl_ig1b_ft_in1k\s.*CC BY-NC 4\.0, non-commercial use only/m);
    const json = JSON.parse(await runPretrained(['--json']));
    expect(json.entries).toHaveLength(213);
    expect(json.withoutWeights).toHaveLength(21);
    expect(json.entries.find((e: { tag: string }) => e.tag === 'resnet50.tv_in1k').fileBytes).toBe(102_440_820);
  });
});

describe('predict with a checkpoint\'s preprocessing', () => {
  const T = 'fixtures/images/top5';
  const top5 = JSON.parse(readFileSync(`${T}/index.json`, 'utf8')) as { cases: { image: string; pretrained: string; logits: string; top5: { label: string }[] }[] };

  it('the preprocessing flags reach the network: PyTorch\'s logits and top-5 for resnet50d.ra2_in1k\'s bicubic transform', async () => {
    const c = top5.cases.find((x) => x.image === '../test.png' && x.pretrained === 'resnet50d.ra2_in1k')!;
    const out = join(tmp, 'logits.bin');
    const text = await runPredict(['--weights', `${T}/tiny_imagenet.safetensors`, '--image', 'fixtures/images/test.png', '--size', '224', '--interpolation', 'bicubic', '--out', out]);
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^fixtures\/images\/test\.png \(320x240\) on wasm, \d+ ms; preprocessing from the flags: bicubic resize of the shorter side to 256/);
    expect(lines[1]).toBe('  (1000 outputs: ImageNet-1k class names assumed)');
    expect(lines.slice(2, 7).map((l) => l.replace(/^\s+[\d.]+%\s+\d+\s+/, ''))).toEqual(c.top5.map((t) => t.label));
    expect(maxAbsDiff(readF32(out), readF32(`${T}/${c.logits}`))).toBeLessThanOrEqual(1e-4);
  });

  it('without a checkpoint or flags it says which default it used', async () => {
    const text = await runPredict(['--weights', `${T}/tiny_imagenet.safetensors`, '--image', 'fixtures/images/test.png']);
    expect(text).toContain("timm's default preprocessing (give --pretrained TAG for a catalogued checkpoint's own): bilinear resize of the shorter side to 256");
  });

  it('--pretrained checks the weights against the entry\'s architecture', async () => {
    await expect(runPredict(['--pretrained', 'resnet50.tv_in1k', '--weights', `${T}/tiny_imagenet.safetensors`, '--image', 'fixtures/images/test.png'])).rejects.toThrow(/do not fit the network/);
    await expect(runPredict(['--weights', `${T}/tiny_imagenet.safetensors`, '--input', 'x.bin', '--shape', '1,3,224,224', '--out', 'y.bin', '--size', '224'])).rejects.toThrow(/--input is a preprocessed tensor already: --size applies to --image only/);
  });
});

describe("--pretrained TAG applies the tag's own preprocessing, at its test size where it has one (fixtures/catalogue)", () => {
  const cat = JSON.parse(readFileSync('fixtures/catalogue/index.json', 'utf8')) as { cases: { tag: string; test_size: boolean; input_size: number; file: string }[] };
  // The tensor the CLI writes for --pretrained TAG is timm's with use_test_size=True where the tag has a test size.
  const ownCases = cat.cases.filter((c) => c.test_size || !cat.cases.some((o) => o.tag === c.tag && o.test_size));
  it.each(ownCases.filter((c) => ['resnet50.a1_in1k', 'resnetrs50.tf_in1k', 'resnet50.fb_ssl_yfcc100m_ft_in1k', 'resnet34.ra4_e3600_r224_in1k', 'resnet152.tv2_in1k'].includes(c.tag)).map((c) => [c.tag, c]))('%s', async (tag, c) => {
    const out = join(tmp, `${tag}.cat.bin`);
    const text = await runPreprocess(['--image', 'fixtures/images/test.png', '--pretrained', tag, '--out', out]);
    expect(text).toContain(`wrote [1, 3, ${c.input_size}, ${c.input_size}]`);
    if (c.test_size) expect(text).toContain(`(${tag}'s test-size preprocessing)`);
    const bytes = gunzipSync(readFileSync(`fixtures/catalogue/${c.file}`));
    expect(maxAbsDiff(readF32(out), new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))).toBeLessThanOrEqual(1e-5);
  });
});
