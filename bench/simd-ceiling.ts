/**
 * The WebAssembly SIMD ceiling of this machine, as `npm run bench` prints it: the best any
 * register-blocked f32x4 GEMM micro-kernel can do here. A generated loop runs the step of a
 * (acc / 2) x 8 micro-kernel without advancing: 2 vector loads and acc / 2 broadcast loads from the
 * same bytes (always in L1), then `acc` independent multiply-accumulates, as `f32x4.mul` +
 * `f32x4.add` or as `f32x4.relaxed_madd` (FMA). The compiler can neither hoist the products out of
 * the loop nor fold them. Measured with 8 and 12 accumulators (12 spill a register in the mul + add
 * form, which needs one for the product), on one thread and on every thread of the kernels' pool;
 * the ceiling is the best. GMAC/s = 4 lanes x acc x iterations / time.
 */
import { kernelFor, type WasmModuleLike } from '../src/model/tfjs/kernels/runtime.ts';
import { Code, I32, moduleBytes, SIMD, V128 } from '../src/model/tfjs/kernels/wasm-encoder.ts';

export const ACCUMULATORS = [8, 12] as const;

/**
 * `run(p, iterations, begin, end)`: (end - begin) x iterations steps of `acc` multiply-adds; the
 * accumulators' sum is stored at p + 48 (16 bytes) so that nothing is dead.
 */
export function ceilingModule(fma: boolean, acc: number, shared: boolean): Uint8Array<ArrayBuffer> {
  const c = new Code(4);
  const [P, N, BEGIN, END] = [0, 1, 2, 3];
  const a: number[] = [];
  for (let k = 0; k < acc; k++) a.push(c.local(V128));
  const w = [c.local(V128), c.local(V128)];
  const s = c.local(V128);
  const tmp = c.local(V128);
  const i = c.local(I32);
  const item = c.local(I32);
  for (let k = 0; k < acc; k++) c.zero().set(a[k]);
  c.loopRange(item, BEGIN, END, () => {
    c.i32(0).set(i);
    c.op(0x03, 0x40);
    c.get(P).load(0).set(w[0]).get(P).load(16).set(w[1]);
    for (let m = 0; m < acc / 2; m++) {
      c.get(P).splat(32 + 4 * (m % 4)).set(s);
      for (let v = 0; v < 2; v++) {
        const x = a[m * 2 + v];
        if (fma) c.get(w[v]).get(s).get(x).simd(SIMD.f32x4RelaxedMadd).set(x);
        else c.get(w[v]).get(s).simd(SIMD.f32x4Mul).set(tmp).get(x).get(tmp).simd(SIMD.f32x4Add).set(x);
      }
    }
    c.get(i).i32(1).add().tee(i).get(N).op(0x48).op(0x0d, 0).op(0x0b);
  });
  c.get(a[0]);
  for (let k = 1; k < acc; k++) c.get(a[k]).simd(SIMD.f32x4Add);
  c.set(a[0]).get(P).get(a[0]).store(48);
  return moduleBytes([{ name: 'run', params: 4, code: c }], shared);
}

export interface Ceiling {
  /** GMAC/s: one thread, every thread of the pool. */
  oneThread: number;
  allThreads: number;
  /** Accumulators of the best figure. */
  accumulators: number;
}

/**
 * Measures the ceiling in tfjs-wasm's memory (a shared one in the threaded build), on the calling
 * thread and on the kernels' pool: median of `runs` timings of `items` items (one per thread and
 * round) of `iterations` steps each, after a warm-up that lets the engine tier the code up.
 */
export function measureCeiling(mod: WasmModuleLike, scratch: number, fma: boolean, threads?: number, runs = 7, iterations = 200_000): Ceiling {
  let best: Ceiling = { oneThread: 0, allThreads: 0, accumulators: 0 };
  for (const acc of ACCUMULATORS) {
    const { pool, kernel } = kernelFor(mod, `ceiling:${fma}:${acc}`, (shared) => ceilingModule(fma, acc, shared), threads);
    const items = 4 * pool.threads;
    // The helpers compile the module for themselves and start in the baseline tier: a long warm-up.
    const median = (f: () => void): number => {
      for (let i = 0; i < 12; i++) f();
      const t: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        f();
        t.push(performance.now() - t0);
      }
      return t.sort((x, y) => x - y)[Math.floor(runs / 2)];
    };
    const one = median(() => kernel.run(scratch, iterations, 0, 4));
    const all = median(() => pool.run(kernel, [scratch, iterations], items, 1));
    const gmacs = (ms: number, n: number) => (4 * acc * iterations * n) / ms / 1e6;
    const c = { oneThread: gmacs(one, 4), allThreads: gmacs(all, items), accumulators: acc };
    if (c.allThreads > best.allThreads) best = { ...c, oneThread: Math.max(c.oneThread, best.oneThread) };
    else best = { ...best, oneThread: Math.max(c.oneThread, best.oneThread) };
  }
  return best;
}
