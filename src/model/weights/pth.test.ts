import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parsePth } from './pth.ts';
import {
  PickleWriter,
  contiguousStrides,
  errorOf,
  f32Bytes,
  legacyTorchFile,
  pickleStateDict,
  tarArchive,
  torchZip,
  type LegacyStorage,
  type PickledTensor,
} from '../../../test/support/weights.ts';

const range24 = f32Bytes(Array.from({ length: 24 }, (_, i) => i));

function view(key: string, offset: number, size: number[], stride: number[], storage = '0', storageNumel = 24): PickledTensor {
  return { key, storage, storageType: 'FloatStorage', storageNumel, offset, size, stride };
}

/** torch.arange(24.).reshape(4, 6) and views of it, as torch.save writes them. */
const VIEWS = [
  view('full', 0, [4, 6], [6, 1]),
  view('t', 0, [6, 4], [1, 6]),
  view('slice', 8, [2, 3], [6, 1]),
  view('step', 0, [4, 3], [6, 2]),
  view('expand', 1, [3, 2], [0, 1]),
  view('scalar', 23, [], []),
  view('empty', 0, [0, 5], [5, 1]),
];

describe('parsePth: tensors', () => {
  it('materialises offsets, transposes, step slices and expanded views of one storage', () => {
    const pickle = pickleStateDict(VIEWS);
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
  it('refuses the tar format of PyTorch < 0.1.10 with the fix', () => {
    const tar = tarArchive({ sys_info: new Uint8Array(20), pickle: new Uint8Array(600), tensors: new Uint8Array(8), storages: new Uint8Array(8) });
    const err = errorOf(() => parsePth(tar, 'ancient.pth'));
    expect(err.code).toBe('legacy');
    expect(err.message).toMatch(/ancient\.pth is in the tar format of torch\.save \(written by PyTorch < 0\.1\.10/);
    expect(err.message).toMatch(/Re-save it with a current PyTorch.*safetensors/);
    // The members are found behind other ones too; a tar without them is no torch.save file.
    expect(errorOf(() => parsePth(tarArchive({ 'a.txt': new Uint8Array(700), pickle: new Uint8Array(3) }))).code).toBe('legacy');
    expect(errorOf(() => parsePth(tarArchive({ 'a.txt': new Uint8Array(3) }))).code).toBe('format');
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

const f32Storage = (key: string, values: number[]): LegacyStorage => ({ key, count: values.length, data: f32Bytes(values) });

describe('parsePth: the legacy (non-zip) format', () => {
  const range = Array.from({ length: 24 }, (_, i) => i);

  it('materialises the views of shared storages like the zip reader', () => {
    const zip = parsePth(torchZip('views', pickleStateDict(VIEWS), { 0: range24 }));
    const legacy = parsePth(legacyTorchFile(pickleStateDict(VIEWS, { legacy: true }), [f32Storage('0', range)]), 'old.pth');
    expect([...legacy.keys()]).toEqual([...zip.keys()]);
    for (const [key, t] of zip) expect(legacy.get(key), key).toEqual(t);
    legacy.get('full')!.data[8] = -1;
    expect(legacy.get('slice')!.data[0]).toBe(8);
  });

  it('resolves storage views (view_key, offset, view_size) of PyTorch < 1.x', () => {
    // v is elements 6..17 of storage 0; the tensor starts 2 elements into the view.
    const pickle = pickleStateDict(
      [
        { ...view('v', 2, [2, 3], [3, 1]), view: { key: 'v0', offset: 6, numel: 12 } },
        { ...view('again', 0, [12], [1]), view: { key: 'v0', offset: 6, numel: 12 } },
        view('whole', 0, [24], [1]),
      ],
      { legacy: true },
    );
    const sd = parsePth(legacyTorchFile(pickle, [f32Storage('0', range)]));
    expect(Array.from(sd.get('v')!.data)).toEqual([8, 9, 10, 11, 12, 13]);
    expect(Array.from(sd.get('again')!.data)).toEqual(range.slice(6, 18));
    expect(Array.from(sd.get('whole')!.data)).toEqual(range);
    // A tensor must stay inside its view, and a view inside its storage.
    const pastView = pickleStateDict([{ ...view('layer1.0.bn1.weight', 10, [4], [1]), view: { key: 'v0', offset: 6, numel: 12 } }], { legacy: true });
    expect(errorOf(() => parsePth(legacyTorchFile(pastView, [f32Storage('0', range)]))).message).toMatch(
      /tensor layer1\.0\.bn1\.weight \(size \[4\], stride \[1\], offset 10\) reaches element 13 of a storage of 12 elements/,
    );
    const pastStorage = pickleStateDict([{ ...view('w', 0, [4], [1]), view: { key: 'v0', offset: 20, numel: 8 } }], { legacy: true });
    const err = errorOf(() => parsePth(legacyTorchFile(pastStorage, [f32Storage('0', range)])));
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/the view v0 \(elements 20 to 28\) runs past the end of storage 0 \(24 elements\)/);
    const twoViews = pickleStateDict(
      [
        { ...view('a', 0, [4], [1]), view: { key: 'v0', offset: 0, numel: 8 } },
        { ...view('b', 0, [4], [1]), view: { key: 'v0', offset: 4, numel: 8 } },
      ],
      { legacy: true },
    );
    expect(errorOf(() => parsePth(legacyTorchFile(twoViews, [f32Storage('0', range)]))).message).toMatch(/the view v0 is referenced as two different parts/);
  });

  it('reads half, bfloat16, long and torch.cuda storages, and _rebuild_tensor of PyTorch < 0.4', () => {
    const tensors: PickledTensor[] = [
      { key: 'h', storage: '0', storageType: 'HalfStorage', storageNumel: 2, offset: 0, size: [2], stride: [1] },
      { key: 'b', storage: '1', storageType: 'BFloat16Storage', storageNumel: 1, offset: 0, size: [1], stride: [1] },
      { key: 'n', storage: '2', storageType: 'LongStorage', storageNumel: 1, offset: 0, size: [], stride: [] },
    ];
    const long = new Uint8Array(8);
    new DataView(long.buffer).setBigInt64(0, 42n, true);
    const storages: LegacyStorage[] = [
      { key: '0', count: 2, data: Uint8Array.of(0x00, 0x3c, 0x00, 0xb8) },
      { key: '1', count: 1, data: Uint8Array.of(0x80, 0x3f) },
      { key: '2', count: 1, data: long },
    ];
    for (const options of [{}, { v1: true }, { storageModule: 'torch.cuda' }]) {
      const sd = parsePth(legacyTorchFile(pickleStateDict(tensors, { legacy: true, ...options }), storages));
      expect(sd.get('h'), JSON.stringify(options)).toEqual({ shape: [2], dtype: 'F16', data: Float32Array.of(1, -0.5) });
      expect(sd.get('b')).toEqual({ shape: [1], dtype: 'BF16', data: Float32Array.of(1) });
      expect(sd.get('n')).toEqual({ shape: [], dtype: 'I64', data: Float32Array.of(42) });
    }
  });

  it('reads the little-endian storages of a big-endian writer, whichever way round its counts are', () => {
    const pickle = pickleStateDict([view('w', 0, [2, 2], [2, 1], '0', 4)], { legacy: true });
    for (const countBigEndian of [false, true]) {
      const file = legacyTorchFile(pickle, [f32Storage('0', [1.5, -2, 3, 0.25])], { littleEndian: false, countBigEndian });
      expect(Array.from(parsePth(file).get('w')!.data)).toEqual([1.5, -2, 3, 0.25]);
    }
    // A little-endian writer's count is little-endian.
    const swapped = legacyTorchFile(pickle, [f32Storage('0', [1.5, -2, 3, 0.25])], { countBigEndian: true });
    expect(errorOf(() => parsePth(swapped)).message).toMatch(/storage 0 \(1 of 1\) is 4 F32 elements in the pickle, but the file says it holds 288230376151711744/);
  });

  it('finds a nested state_dict, and steps over the storages it does not use', () => {
    const inner = pickleStateDict([view('conv1.weight', 2, [3], [1], '1', 6)], { legacy: true });
    const other = pickleStateDict([view('momentum', 0, [24], [1])], { legacy: true });
    // {'epoch': 3, 'optimizer': {...}, 'state_dict': OrderedDict(...)}
    const w = new PickleWriter().proto(2).emptyDict().mark().str('epoch').int(3).str('optimizer');
    w.raw(...other.subarray(2, other.length - 1)).str('state_dict').raw(...inner.subarray(2, inner.length - 1)).setitems().stop();
    const file = legacyTorchFile(w.bytes(), [f32Storage('0', range), f32Storage('1', [10, 11, 12, 13, 14, 15])]);
    const sd = parsePth(file);
    expect([...sd.keys()]).toEqual(['conv1.weight']);
    expect(Array.from(sd.get('conv1.weight')!.data)).toEqual([12, 13, 14]);
  });

  describe('refusals', () => {
    const pickle = pickleStateDict([view('conv1.weight', 0, [4, 6], [6, 1]), view('bn1.weight', 0, [3], [1], '1', 3)], { legacy: true });
    const storages = [f32Storage('0', range), f32Storage('1', [1, 2, 3])];
    const good = legacyTorchFile(pickle, storages);

    it('refuses os.system in any of its pickles, by name, and runs nothing', () => {
      const evil = new PickleWriter().proto(2).emptyDict().str('x').global('os', 'system').str('echo pwned').raw(0x85).reduce().setitem().stop().bytes();
      const inMain = errorOf(() => parsePth(legacyTorchFile(evil, []), 'evil.pth'));
      expect(inMain.code).toBe('unsafe');
      expect(inMain.message).toMatch(/^refused: the file references the global os\.system/);
      // In the storage key list, after a good state_dict.
      const inKeys = errorOf(() => parsePth(legacyTorchFile(pickle, storages, { keyPickle: evil })));
      expect(inKeys.code).toBe('unsafe');
      expect(inKeys.message).toMatch(/^refused: the file references the global os\.system/);
    });

    it('refuses every truncation as damaged', () => {
      for (let cut = 2; cut < good.length; cut++) {
        const err = errorOf(() => parsePth(good.subarray(0, cut), 'old.pth'));
        expect(err.code, `cut at ${cut}`).toBe('corrupt');
        expect(err.message, `cut at ${cut}`).toMatch(/truncated/);
      }
      expect(parsePth(good).size).toBe(2);
    });

    it('refuses element counts that disagree with the pickle, and trailing bytes', () => {
      const short = legacyTorchFile(pickle, [{ ...storages[0], count: 23 }, storages[1]]);
      expect(errorOf(() => parsePth(short, 'old.pth')).message).toMatch(
        /^old\.pth: storage 0 \(1 of 2\) is 24 F32 elements in the pickle, but the file says it holds 23: the file is damaged/,
      );
      const trailing = legacyTorchFile(pickle, storages, { trailing: Uint8Array.of(1, 2, 3) });
      expect(errorOf(() => parsePth(trailing, 'old.pth')).message).toMatch(/^old\.pth has 3 unexpected bytes after its last storage/);
      // Storage 0 holds fewer bytes than its count: storage 1 then starts inside it and the stream ends early.
      const fewer = legacyTorchFile(pickle, [{ ...storages[0], data: storages[0].data.subarray(0, 80) }, storages[1]]);
      expect(errorOf(() => parsePth(fewer)).code).toBe('corrupt');
    });

    it('refuses storage lists that miss a storage or name one no tensor uses', () => {
      const missing = legacyTorchFile(pickle, [storages[0]]);
      expect(errorOf(() => parsePth(missing, 'old.pth')).message).toMatch(/storage 1 is missing from old\.pth/);
      const extra = legacyTorchFile(pickle, [...storages, f32Storage('7', [0])]);
      expect(errorOf(() => parsePth(extra)).message).toMatch(/the storage key list names storage 7, which no tensor uses/);
      const twice = legacyTorchFile(pickle, storages, { keys: ['0', '1', '1'] });
      expect(errorOf(() => parsePth(twice)).message).toMatch(/names a storage twice/);
    });

    it('refuses a wrong magic number, protocol version or persistent id', () => {
      const notTorch = legacyTorchFile(pickle, storages, { magic: [1, 2] });
      expect(errorOf(() => parsePth(notTorch, 'x.pkl'))).toMatchObject({ code: 'format', message: expect.stringMatching(/x\.pkl is a pickle, but not a torch\.save file/) });
      expect(errorOf(() => parsePth(legacyTorchFile(pickle, storages, { protocol: 1000 }))).message).toMatch(/protocol version 1000; only 1001 exists/);
      // A zip-format persistent id (5 items) in a legacy stream.
      const zipIds = legacyTorchFile(pickleStateDict([view('w', 0, [24], [1])]), [storages[0]]);
      expect(errorOf(() => parsePth(zipIds)).message).toMatch(/the state_dict pickle refers to a persistent object .*view_metadata\) tensor storages are supported/);
    });
  });
});
