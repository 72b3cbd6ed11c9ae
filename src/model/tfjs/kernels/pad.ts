/**
 * Zero padding as a generated kernel on the pool: NHWC [n, h, w, c] at `src` into a zero-bordered
 * [n, hp, wp, c] at `dst` (pad rows and columns before, at least pad after), one padded row per
 * work item, by memory.fill and memory.copy. A JS copy on the calling thread took as long as the
 * grouped 3x3 conv it feeds in ResNeXt's first stage.
 */
import { kernelFor, type WasmModuleLike } from './runtime.ts';
import { Code, I32, moduleBytes } from './wasm-encoder.ts';

interface PadShape {
  n: number;
  h: number;
  w: number;
  c: number;
  hp: number;
  wp: number;
  pad: number;
}

/** `run(src, dst, begin, end)`: padded rows [begin, end) of the batch. */
export function padWasmBytes(s: PadShape, shared: boolean): Uint8Array<ArrayBuffer> {
  const { h, w, c, hp, wp, pad } = s;
  const rowIn = w * c * 4;
  const rowOut = wp * c * 4;
  const left = pad * c * 4;
  const right = rowOut - left - rowIn;
  const code = new Code(4);
  const [SRC, DST, BEGIN, END] = [0, 1, 2, 3];
  const r = code.local(I32), y = code.local(I32), d = code.local(I32);
  const fill = (n: number) => code.i32(0).i32(n).op(0xfc, 11, 0); // memory.fill(dst, 0, n), dst on the stack
  code.loopRange(r, BEGIN, END, () => {
    code.get(DST).get(r).i32(rowOut).mul().add().set(d);
    // y = input row of this padded row: r % hp - pad.
    code.get(r).i32(hp).remU().i32(pad).op(0x6b).set(y);
    code.get(y).i32(0).op(0x48).get(y).i32(h).op(0x4e).op(0x72); // y < 0 | y >= h
    code.op(0x04, 0x40);
    code.get(d);
    fill(rowOut);
    code.op(0x05);
    if (left) {
      code.get(d);
      fill(left);
    }
    // memory.copy(d + left, src + ((r / hp) * h + y) * rowIn, rowIn)
    code.get(d).i32(left).add();
    code.get(SRC).get(r).i32(hp).divU().i32(h).mul().get(y).add().i32(rowIn).mul().add();
    code.i32(rowIn).op(0xfc, 10, 0, 0);
    if (right) {
      code.get(d).i32(left + rowIn).add();
      fill(right);
    }
    code.op(0x0b);
  });
  return moduleBytes([{ name: 'run', params: 4, code }], shared);
}

/** Pads on every thread of the kernels' pool (byte offsets in the backend's memory). */
export function padOnPool(mod: WasmModuleLike, src: number, dst: number, s: PadShape, threads?: number): void {
  const { pool, kernel } = kernelFor(mod, `pad:${JSON.stringify(s)}`, (shared) => padWasmBytes(s, shared), threads);
  pool.run(kernel, [src, dst], s.n * s.hp);
}
