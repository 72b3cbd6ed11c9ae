import { describe, expect, it } from 'vitest';
import { WeightsError } from './common.ts';
import { PickleWriter, pickleStateDict } from '../../../test/support/weights.ts';
import { StorageRef, TensorRef, unpickle, unpickleAt, type UnpickleOptions } from './unpickler.ts';

function errorOf(bytes: Uint8Array, options?: UnpickleOptions): WeightsError {
  try {
    if (options) unpickleAt(bytes, options);
    else unpickle(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(WeightsError);
    return err as WeightsError;
  }
  throw new Error('expected unpickle to throw');
}

describe('unpickle: plain data', () => {
  it('builds dicts, lists, tuples, numbers, strings and memo references', () => {
    const w = new PickleWriter().proto(2).emptyDict().binput(0).mark();
    w.str('ints').mark().int(5).int(300).int(70000).int(-2).long1([0xff, 0x7f]).long1([0x00, 0x80]).long1([]).raw(0x74);
    w.str('floats', true).emptyList().binput(1).mark().float(0.1).float(-2.5).appends();
    w.str('flags').none().bool(true).bool(false).raw(0x87);
    w.str('again').binget(1);
    w.setitems().stop();
    const value = unpickle(w.bytes()) as Map<string, unknown>;
    expect(value).toBeInstanceOf(Map);
    expect([...value.keys()]).toEqual(['ints', 'floats', 'flags', 'again']);
    expect(value.get('ints')).toEqual([5, 300, 70000, -2, 32767, -32768, 0]);
    expect(Object.isFrozen(value.get('ints'))).toBe(true);
    expect(value.get('floats')).toEqual([0.1, -2.5]);
    expect(value.get('flags')).toEqual([null, true, false]);
    expect(value.get('again')).toBe(value.get('floats'));
  });

  it('decodes protocol 1 byte strings as ISO-8859-1, byte for byte', () => {
    const w = new PickleWriter().proto(2).raw(0x55, 3, 0x41, 0x80, 0xff).stop();
    expect(unpickle(w.bytes())).toBe('A\u0080\u00ff');
  });

  it('keeps integers beyond 2^53 exact as bigint', () => {
    const big = new PickleWriter().proto(2).long1([0, 0, 0, 0, 0, 0, 0, 0x40]).stop();
    expect(unpickle(big.bytes())).toBe(1n << 62n);
  });

  it('turns torch.save persistent ids and _rebuild_tensor_v2 into storage and tensor references', () => {
    const bytes = pickleStateDict([
      { key: 'w', storage: '0', storageType: 'HalfStorage', storageNumel: 12, offset: 2, size: [2, 3], stride: [1, 2] },
      { key: 'v', storage: '0', storageType: 'HalfStorage', storageNumel: 12, offset: 0, size: [4], stride: [1] },
      { key: 'n', storage: '1', storageType: 'LongStorage', storageNumel: 1, offset: 0, size: [], stride: [] },
    ]);
    const sd = unpickle(bytes) as Map<string, TensorRef>;
    expect([...sd.keys()]).toEqual(['w', 'v', 'n']);
    const w = sd.get('w')!;
    expect(w).toBeInstanceOf(TensorRef);
    expect(w.storage).toBeInstanceOf(StorageRef);
    expect(w.storage).toMatchObject({ dtype: 'F16', key: '0', location: 'cpu', numel: 12 });
    expect([w.offset, w.size, w.stride]).toEqual([2, [2, 3], [1, 2]]);
    // One storage object per key: views share it.
    expect(sd.get('v')!.storage).toBe(w.storage);
    expect(sd.get('n')!.storage.dtype).toBe('I64');
  });

  it('reads a stream of pickles one after another, each with its own memo, and says where each ends', () => {
    const first = new PickleWriter().proto(2).str('a').binput(0).stop().bytes();
    const second = new PickleWriter().proto(2).emptyList().binput(0).mark().int(7).binget(0).appends().stop().bytes();
    const stream = new Uint8Array([...first, ...second, 0xff]);
    const a = unpickleAt(stream);
    expect(a).toMatchObject({ value: 'a', end: first.length });
    const b = unpickleAt(stream, { start: a.end, label: 'the second pickle' });
    expect(b.end).toBe(first.length + second.length);
    expect((b.value as unknown[])[0]).toBe(7);
    expect((b.value as unknown[])[1]).toBe(b.value);
    // Positions in messages are in the stream; the label names the pickle.
    const err = errorOf(stream.subarray(0, stream.length - 3), { start: a.end, label: 'the second pickle' });
    expect(err.message).toBe(`the second pickle: truncated: the pickle ends at byte ${stream.length - 3} without STOP`);
  });

  it('turns legacy persistent ids, with storage views, into storage references', () => {
    const bytes = pickleStateDict(
      [
        { key: 'w', storage: '9', storageType: 'FloatStorage', storageNumel: 12, offset: 1, size: [2], stride: [1], view: { key: '5', offset: 4, numel: 6 } },
        { key: 'v', storage: '9', storageType: 'FloatStorage', storageNumel: 12, offset: 0, size: [12], stride: [1] },
      ],
      { legacy: true },
    );
    const { value, storages } = unpickleAt(bytes, { legacy: true });
    const sd = value as Map<string, TensorRef>;
    const root = sd.get('v')!.storage;
    expect(root).toMatchObject({ key: '9', numel: 12, root: null });
    expect(sd.get('w')!.storage).toMatchObject({ key: '5', dtype: 'F32', numel: 6, rootOffset: 4 });
    expect(sd.get('w')!.storage.root).toBe(root);
    expect([...storages.keys()]).toEqual(['9']);
    // The zip format's five-item ids are not legacy ones, and the other way round.
    expect(errorOf(bytes).message).toMatch(/data\.pkl refers to a persistent object \("storage", torch\.FloatStorage, "9", "cpu", 12, \("5", 4, 6\)\)/);
    const clash = pickleStateDict(
      [{ key: 'w', storage: '9', storageType: 'FloatStorage', storageNumel: 12, offset: 0, size: [2], stride: [1], view: { key: '9', offset: 0, numel: 6 } }],
      { legacy: true },
    );
    expect(errorOf(clash, { legacy: true }).message).toMatch(/the key 9 names both a storage and a view/);
  });

  it('ignores the _metadata state an OrderedDict carries (BUILD)', () => {
    const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce();
    w.mark().str('a').int(1).setitems();
    w.emptyDict().str('_metadata').emptyDict().setitem().build().stop();
    expect(unpickle(w.bytes())).toEqual(new Map([['a', 1]]));
  });
});

describe('unpickle: refusals', () => {
  it('refuses GLOBAL os system at the opcode, naming it, before anything is built', () => {
    // {'x': os.system('echo pwned')}
    const w = new PickleWriter().proto(2).emptyDict().str('x').global('os', 'system').str('echo pwned').raw(0x85).reduce().setitem().stop();
    const err = errorOf(w.bytes());
    expect(err.code).toBe('unsafe');
    expect(err.message).toMatch(/^refused: the file references the global os\.system; a state_dict needs only OrderedDict, torch tensors and storages/);
    expect(err.message).toMatch(/Load only files you trust/);
    expect(errorOf(new PickleWriter().proto(2).global('posix', 'system').stop().bytes()).message).toMatch(/posix\.system \(that is os\.system\)/);
  });

  it('refuses STACK_GLOBAL and INST references to other globals too', () => {
    const stack = new PickleWriter().proto(4).str('builtins', true).str('eval', true).raw(0x93).stop();
    expect(errorOf(stack.bytes()).message).toMatch(/refused: the file references the global builtins\.eval/);
    const inst = new PickleWriter().proto(2).mark().raw(0x69, ...new TextEncoder().encode('subprocess\nPopen\n')).stop();
    expect(errorOf(inst.bytes()).message).toMatch(/global subprocess\.Popen/);
    const model = new PickleWriter().proto(2).global('torchvision.models.resnet', 'ResNet').stop();
    expect(errorOf(model.bytes()).message).toMatch(/torch\.save\(model\.state_dict\(\), path\)/);
  });

  it('refuses storage types it cannot convert as unsupported, not as unsafe', () => {
    const err = errorOf(new PickleWriter().proto(2).global('torch', 'Float8_e4m3fnStorage').stop().bytes());
    expect(err.code).toBe('unsupported');
    expect(err.message).toMatch(/stored as torch\.Float8_e4m3fnStorage, which this reader does not support; supported: torch\.DoubleStorage/);
  });

  it('refuses persistent ids that are not torch storages', () => {
    const w = new PickleWriter().proto(2).mark().str('module').str('x').raw(0x74).binpersid().stop();
    expect(errorOf(w.bytes()).message).toMatch(/persistent object \("module", "x"\)/);
    const notStorage = new PickleWriter().proto(2).mark().str('storage').global('collections', 'OrderedDict').str('0').str('cpu').int(1).raw(0x74).binpersid().stop();
    expect(errorOf(notStorage.bytes()).message).toMatch(/storage of type collections\.OrderedDict/);
  });

  it('reports truncated and malformed pickles as corrupt', () => {
    const whole = pickleStateDict([{ key: 'w', storage: '0', storageType: 'FloatStorage', storageNumel: 4, offset: 0, size: [4], stride: [1] }]);
    for (const cut of [1, 10, whole.length - 1]) {
      const err = errorOf(whole.subarray(0, cut));
      expect(err.code).toBe('corrupt');
      expect(err.message).toMatch(/truncated/);
    }
    expect(errorOf(new PickleWriter().proto(2).raw(0x58, 0xff, 0xff, 0, 0, 0x41).bytes()).message).toMatch(/truncated at byte 7: needs 65535 more bytes/);
    expect(errorOf(new PickleWriter().proto(2).raw(0xff).bytes()).message).toMatch(/unknown pickle opcode 0xff at byte 2/);
    expect(errorOf(new PickleWriter().proto(2).setitem().stop().bytes()).message).toMatch(/stack underflow/);
    expect(errorOf(new PickleWriter().proto(2).binget(3).stop().bytes()).message).toMatch(/memo entry 3 is read before it is written/);
    expect(errorOf(new PickleWriter().proto(2).int(1).int(2).stop().bytes()).message).toMatch(/STOP with 2 values/);
  });

  it('turns hostile shapes into WeightsErrors, not crashes or long computations', () => {
    // A 100000-deep nest of 1-tuples used as a dict key.
    const deep = new PickleWriter().proto(2).emptyDict().int(0);
    for (let i = 0; i < 100_000; i++) deep.raw(0x85);
    const nested = errorOf(deep.int(1).setitem().stop().bytes());
    expect(nested.code).toBe('corrupt');
    // A LONG4 of a million bytes.
    const huge = new PickleWriter().proto(2).raw(0x8b, 0x40, 0x42, 0x0f, 0x00).rawBytes(new Uint8Array(1_000_000)).stop();
    expect(errorOf(huge.bytes()).message).toMatch(/1000000-byte integer/);
  });
});
