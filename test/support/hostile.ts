/**
 * Hostile weight files too big to commit, made at test time (the small ones are made by
 * tools/fixtures/hostile_fixtures.py and committed under fixtures/hostile/): a deflate stream that
 * inflates to gigabytes from a few megabytes, 100,000-deep pickles and JSON, 99 MB safetensors headers.
 */
import { zipSync } from 'fflate';
import { PickleWriter, legacyTorchFile, pickleStateDict } from './weights.ts';

/** Writes bits least-significant first, as deflate does; Huffman codes go most-significant bit first. */
class BitWriter {
  bytes: Uint8Array;
  bit = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  bits(value: number, n: number): void {
    for (let i = 0; i < n; i++) {
      if ((value >> i) & 1) this.bytes[this.bit >> 3] |= 1 << (this.bit & 7);
      this.bit++;
    }
  }

  code(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.bits((code >> i) & 1, 1);
  }

  /** `n` zero bits (the buffer starts zeroed). */
  zeros(n: number): void {
    this.bit += n;
  }

  done(): Uint8Array {
    return this.bytes.subarray(0, (this.bit + 7) >> 3);
  }
}

/**
 * A raw deflate stream of one dynamic-Huffman block that inflates to `size` zero bytes: a literal 0,
 * then copies of 258 bytes at distance 1 coded in 2 bits each (1032:1, the format's limit), the rest
 * as literals. 3.9 GB come from 3.8 MB.
 */
export function deflateBomb(size: number): Uint8Array {
  const copies = Math.floor((size - 1) / 258);
  const literals = size - 1 - copies * 258;
  const w = new BitWriter(64 + Math.ceil((2 * copies + 2 * literals) / 8) + 8);
  w.bits(1, 1); // BFINAL
  w.bits(2, 2); // dynamic Huffman
  w.bits(286 - 257, 5); // HLIT: literal/length codes 0..285
  w.bits(1 - 1, 5); // HDIST: one distance code
  w.bits(18 - 4, 4); // HCLEN: code length codes up to symbol 1 in the permuted order
  // Code length code lengths in the order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1: 18 -> 1 bit, 2 -> 2, 1 -> 2.
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
  const clLength: Record<number, number> = { 18: 1, 1: 2, 2: 2 };
  for (const s of order) w.bits(clLength[s] ?? 0, 3);
  // Canonical codes: 18 = 0, 1 = 10, 2 = 11.
  const cl = (s: number): void => (s === 18 ? w.code(0, 1) : w.code(s === 1 ? 2 : 3, 2));
  const zeros = (n: number): void => {
    cl(18);
    w.bits(n - 11, 7);
  };
  // Literal/length lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0, 285 -> 1; then distance 0 -> 1.
  cl(2);
  zeros(138);
  zeros(117);
  cl(2);
  zeros(28);
  cl(1);
  cl(1);
  // Canonical literal/length codes: 285 = 0, 0 = 10, 256 = 11; distance 0 = 0.
  w.code(2, 2); // the first zero byte
  w.zeros(2 * copies); // each copy: length 258 (code 0), distance 1 (code 0)
  for (let i = 0; i < literals; i++) w.code(2, 2);
  w.code(3, 2); // end of block
  return w.done();
}

/**
 * A torch.save zip holding `w` (16 float32 elements, 64 bytes) whose data/0 is deflated with `stream`,
 * declared `declared` bytes in the central directory (and `numel` elements in the pickle).
 */
export function deflatedTorchZip(stream: Uint8Array, declared: number, numel = 16): Uint8Array {
  const pickle = pickleStateDict([{ key: 'w', storage: '0', storageType: 'FloatStorage', storageNumel: numel, offset: 0, size: [numel], stride: [1] }]);
  // fflate writes stored entries; data/0 is patched in afterwards: its stored bytes become the stream.
  const zip = zipSync({ 'bomb/data.pkl': pickle, 'bomb/data/0': stream, 'bomb/version': new TextEncoder().encode('3\n') }, { level: 0 });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let p = zip.length - 22; p >= 0; p--) {
    if (view.getUint32(p, true) !== 0x06054b50) continue;
    let at = view.getUint32(p + 16, true);
    for (let i = 0; i < view.getUint16(p + 10, true); i++) {
      const nameLength = view.getUint16(at + 28, true);
      const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
      if (name === 'bomb/data/0') {
        view.setUint16(at + 10, 8, true); // method: deflate
        view.setUint32(at + 24, declared >>> 0, true); // uncompressed size
        const local = view.getUint32(at + 42, true);
        view.setUint16(local + 8, 8, true);
        view.setUint32(local + 22, declared >>> 0, true);
      }
      at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    }
    return zip;
  }
  throw new Error('internal: no end record');
}

/** A legacy torch.save file whose protocol-version pickle is a list nested `depth` deep. */
export function deepLegacyList(depth: number): Uint8Array {
  const w = new PickleWriter().proto(2);
  for (let i = 0; i < depth; i++) w.mark();
  w.emptyList();
  for (let i = 0; i < depth; i++) w.raw(0x6c);
  return legacyTorchFile(new PickleWriter().proto(2).emptyDict().stop().bytes(), [], { protocolPickle: w.stop().bytes() });
}

/** A safetensors file of `header` (a JSON text, padded with spaces) and no data. */
export function safetensorsWithHeader(header: string): Uint8Array {
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + text.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

/** A header of about `bytes` bytes listing zero-size tensors, each `{"t<i>":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`. */
export function manyTensorsHeader(bytes: number): string {
  const parts: string[] = [];
  let length = 2;
  for (let i = 0; length < bytes; i++) {
    const part = `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`;
    parts.push(part);
    length += part.length + 1;
  }
  return `{${parts.join(',')}}`;
}
