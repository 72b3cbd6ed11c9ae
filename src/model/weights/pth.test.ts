import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parsePth } from './pth.ts';
import { PickleWriter, contiguousStrides, f32Bytes, pickleStateDict, torchZip, type PickledTensor, errorOf } from './testing.ts';

const range24 = f32Bytes(Array.from({ length: 24 }, (_, i) => i));

function view(key: string, offset: number, size: number[], stride: number[], storage = '0', storageNumel = 24): PickledTensor {
  return { key, storage, storageType: 'FloatStorage', storageNumel, offset, size, stride };
}


describe('parsePth: tensors', () => {
  it('materialises offsets, transposes, step slices and expanded views of one storage', () => {
    // base = torch.arange(24.).reshape(4, 6) and views of it, as torch.save writes them.
    const pickle = pickleStateDict([
      view('full', 0, [4, 6], [6, 1]),
      view('t', 0, [6, 4], [1, 6]),
      view('slice', 8, [2, 3], [6, 1]),
      view('step', 0, [4, 3], [6, 2]),
      view('expand', 1, [3, 2], [0, 1]),
      view('scalar', 23, [], []),
      view('empty', 0, [0, 5], [5, 1]),
    ]);
    const sd = parsePth(torchZip('views', pickle, { 0: range24 }));
    const values = (k: string): number[] => Array.from(sd.get(k)!.data);
    expect([...sd.keys()]).toEqual(['full', 't', 'slice', 'step', 'expand', 'scalar', 'empty']);
    expect(values('full')).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(values('t')).toEqual([0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23]);
    expect(values('slice')).toEqual([8, 9, 10, 14, 15, 16]);
    expect(values('step')).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    expect(values('expand')).toEqual([1, 2, 1, 2, 1, 2]);
    expect(sd.get('scalar')).toEqual({ shape: [], dtype: 'F32', data: Float32Array.of(23) });
    expect(sd.get('empty')!.shape).toEqual([0, 5]);
    // Views of a shared storage never share memory with each other.
    sd.get('full')!.data[8] = -1;
    expect(values('slice')[0]).toBe(8);
  });

  it('reads half, bfloat16 and long storages and any archive folder name', () => {
    const pickle = pickleStateDict([
      { key: 'h', storage: '0', storageType: 'HalfStorage', storageNumel: 2, offset: 0, size: [2], stride: [1] },
      { key: 'b', storage: '1', storageType: 'BFloat16Storage', storageNumel: 1, offset: 0, size: [1], stride: [1] },
      { key: 'n', storage: '2', storageType: 'LongStorage', storageNumel: 1, offset: 0, size: [], stride: [] },
    ]);
    const long = new Uint8Array(8);
    new DataView(long.buffer).setBigInt64(0, 42n, true);
    const sd = parsePth(torchZip('my model.v2', pickle, { 0: Uint8Array.of(0x00, 0x3c, 0x00, 0xb8), 1: Uint8Array.of(0x80, 0x3f), 2: long }));
    expect(sd.get('h')).toEqual({ shape: [2], dtype: 'F16', data: Float32Array.of(1, -0.5) });
    expect(sd.get('b')).toEqual({ shape: [1], dtype: 'BF16', data: Float32Array.of(1) });
    expect(sd.get('n')).toEqual({ shape: [], dtype: 'I64', data: Float32Array.of(42) });
  });

  it('honours <archive>/byteorder = big', () => {
    const pickle = pickleStateDict([view('w', 0, [2, 2], [2, 1], '0', 4)]);
    const zip = torchZip('be', pickle, { 0: f32Bytes([1.5, -2, 3, 0.25], false) }, { 'be/byteorder': new TextEncoder().encode('big') });
    expect(Array.from(parsePth(zip).get('w')!.data)).toEqual([1.5, -2, 3, 0.25]);
  });

  it('finds a state_dict nested in a training checkpoint dict', () => {
    const inner = pickleStateDict([view('conv1.weight', 0, [24], [1])]);
    // {'epoch': 3, 'state_dict': OrderedDict(...)}: splice the inner pickle (without PROTO and STOP) into a dict.
    const w = new PickleWriter().proto(2).emptyDict().mark().str('epoch').int(3).str('state_dict');
    w.raw(...inner.subarray(2, inner.length - 1)).setitems().stop();
    const sd = parsePth(torchZip('ckpt', w.bytes(), { 0: range24 }));
    expect([...sd.keys()]).toEqual(['conv1.weight']);
  });
});

describe('parsePth: refusals', () => {
  it('refuses a legacy (non-zip) torch.save file with the fix', () => {
    const legacy = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e);
    const err = errorOf(() => parsePth(legacy, 'old.pth'));
    expect(err.code).toBe('legacy');
    expect(err.message).toMatch(/old\.pth is in the legacy torch\.save format/);
    expect(err.message).toMatch(/Re-save it with a current PyTorch.*safetensors/);
  });

  it('refuses a data.pkl that references os.system', () => {
    const evil = new PickleWriter().proto(2).emptyDict().str('x').global('os', 'system').str('echo pwned').raw(0x85).reduce().setitem().stop();
    const err = errorOf(() => parsePth(torchZip('evil', evil.bytes(), {})));
    expect(err.code).toBe('unsafe');
    expect(err.message).toMatch(/refused: the file references the global os\.system/);
  });

  it('refuses truncated and damaged zips', () => {
    const zip = torchZip('t', pickleStateDict([view('w', 0, [24], [1])]), { 0: range24 });
    for (const cut of [30, Math.floor(zip.length / 2), zip.length - 10]) {
      const err = errorOf(() => parsePth(zip.subarray(0, cut)));
      expect(err.code).toBe('corrupt');
      expect(err.message).toMatch(/zip archive is truncated or damaged/);
    }
  });

  it('refuses zips that are not torch.save archives', () => {
    const noPickle = zipSync({ 'a/readme.txt': new Uint8Array(3) }, { level: 0 });
    expect(errorOf(() => parsePth(noPickle)).message).toMatch(/expected one <archive>\/data\.pkl, found 0/);
    const script = zipSync({ 'm/code/__torch__.py': new Uint8Array(3), 'm/constants.pkl': new Uint8Array(3) }, { level: 0 });
    expect(errorOf(() => parsePth(script)).message).toMatch(/TorchScript archive/);
    const two = zipSync({ 'a/data.pkl': Uint8Array.of(0x2e), 'b/data.pkl': Uint8Array.of(0x2e) }, { level: 0 });
    expect(errorOf(() => parsePth(two)).message).toMatch(/found 2/);
    expect(errorOf(() => parsePth(new TextEncoder().encode('hello world'))).code).toBe('format');
  });

  it('refuses missing storages, storages of the wrong size and views past their storage', () => {
    const pickle = pickleStateDict([view('w', 0, [24], [1])]);
    expect(errorOf(() => parsePth(torchZip('m', pickle, {}))).message).toMatch(/storage m\/data\/0 is missing/);
    expect(errorOf(() => parsePth(torchZip('m', pickle, { 0: range24.subarray(0, 92) }))).message).toMatch(
      /storage m\/data\/0 holds 92 bytes, but 24 F32 elements need 96/,
    );
    const past = pickleStateDict([view('layer1.0.conv1.weight', 20, [2, 3], [3, 1])]);
    expect(errorOf(() => parsePth(torchZip('m', past, { 0: range24 }))).message).toMatch(
      /tensor layer1\.0\.conv1\.weight \(size \[2, 3\], stride \[3, 1\], offset 20\) reaches element 25 of a storage of 24 elements/,
    );
  });

  it('refuses a NaN weight, naming the tensor', () => {
    const pickle = pickleStateDict([view('bn1.running_var', 0, [3], contiguousStrides([3]), '0', 3)]);
    const err = errorOf(() => parsePth(torchZip('m', pickle, { 0: f32Bytes([1, 2, NaN]) })));
    expect(err.code).toBe('nonfinite');
    expect(err.message).toMatch(/tensor bn1\.running_var holds NaN at element 2/);
  });

  it('refuses a pickle that is not a dict of tensors', () => {
    const list = new PickleWriter().proto(2).emptyList().stop();
    expect(errorOf(() => parsePth(torchZip('m', list.bytes(), {}))).message).toMatch(/holds a list or tuple, not a state_dict/);
    const mixed = new PickleWriter().proto(2).emptyDict().str('lr').float(0.1).setitem().stop();
    expect(errorOf(() => parsePth(torchZip('m', mixed.bytes(), {}))).message).toMatch(/entry "lr" is not a tensor/);
  });
});
