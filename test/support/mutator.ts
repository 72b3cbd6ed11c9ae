/**
 * The seeded byte mutator of the weight-reader fuzz tests: the same algorithm as
 * tools/fixtures/mutator.py, bit for bit (xorshift32, 32-bit integer arithmetic only), so a seed
 * regenerates the very file whose torch.load outcome the fixture script recorded. Change both together.
 */
import { createHash } from 'node:crypto';

const INTERESTING8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x2e, 0x58, 0x71, 0x7d];
const INTERESTING32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING64 = [0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 100_000_000n, 100_000_001n];

/** xorshift32, seeded as the Python twin seeds it. */
export class Rng {
  private x: number;

  constructor(seed: number) {
    const x = (Math.imul(seed, 0x9e3779b1) >>> 0) ^ 0x5bd1e995;
    this.x = x >>> 0 || 1;
  }

  next(): number {
    let x = this.x;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    this.x = x;
    return x;
  }

  below(n: number): number {
    return this.next() % n;
  }
}

/** 1 to 3 mutations of `data`; half of the positions fall in the `hot` [start, end) ranges. */
export function mutate(data: Uint8Array, hot: readonly (readonly [number, number])[], seed: number): Uint8Array {
  const rng = new Rng(seed);
  let buf: number[] = Array.from(data);
  const pos = (): number => {
    let p: number;
    if (hot.length > 0 && rng.below(2) === 0) {
      const [start, end] = hot[rng.below(hot.length)];
      p = start + rng.below(Math.max(1, end - start));
    } else {
      p = rng.below(Math.max(1, buf.length));
    }
    return Math.min(p, Math.max(0, buf.length - 1));
  };
  const write = (p: number, value: bigint, width: number): void => {
    for (let i = 0; i < width; i++) if (p + i < buf.length) buf[p + i] = Number((value >> BigInt(8 * i)) & 0xffn);
  };
  const count = 1 + rng.below(3);
  for (let m = 0; m < count; m++) {
    if (buf.length === 0) break;
    const kind = rng.below(10);
    const p = pos();
    switch (kind) {
      case 0:
        buf[p] ^= 1 << rng.below(8);
        break;
      case 1:
        buf[p] = rng.below(256);
        break;
      case 2:
        buf[p] = INTERESTING8[rng.below(INTERESTING8.length)];
        break;
      case 3:
        write(p, BigInt(INTERESTING32[rng.below(INTERESTING32.length)]), 4);
        break;
      case 4:
        write(p, INTERESTING64[rng.below(INTERESTING64.length)], 8);
        break;
      case 5: {
        const n = 1 + rng.below(16);
        buf.splice(p, n);
        break;
      }
      case 6: {
        const n = 1 + rng.below(16);
        const ins: number[] = [];
        for (let i = 0; i < n; i++) ins.push(rng.below(256));
        buf.splice(p, 0, ...ins);
        break;
      }
      case 7: {
        const n = 1 + rng.below(64);
        const chunk = buf.slice(p, p + n);
        const dst = pos();
        // Python's buf[dst:dst + len(chunk)] = chunk: overwrites, and extends past the end.
        const tail = buf.slice(dst + chunk.length);
        buf = [...buf.slice(0, dst), ...chunk, ...tail];
        break;
      }
      case 8:
        buf.length = p;
        break;
      default: {
        const n = 1 + rng.below(4);
        for (let i = 0; i < n; i++) {
          const value = rng.below(256);
          if (p + i < buf.length) buf[p + i] = value;
        }
      }
    }
  }
  return Uint8Array.from(buf);
}

/** 16 hex digits of the file's SHA-256, as the fixture script records it. */
export function fileId(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}
