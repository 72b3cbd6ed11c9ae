/**
 * The WebAssembly SIMD ceiling of this machine, as `npm run bench` prints it: the best any
 * register-blocked f32x4 GEMM micro-kernel can do here. Three loop forms, each as `f32x4.mul` +
 * `f32x4.add` or as `f32x4.relaxed_madd` (FMA), each with 8, 10 and 12 accumulators:
 *  - `fixed`: the step of an (acc / 2) x 8 micro-kernel without advancing: 2 vector loads and acc / 2
 *    broadcast loads from the same bytes, then `acc` independent multiply-accumulates;
 *  - `stream`: the GEMM kernel's own inner loop (`conv-gemm.ts`), on a reduction of 64 steps that
 *    stays in L1: per step 2 weight vectors and acc / 2 broadcast inputs from pointers that advance
 *    (32 and 4 bytes), then `acc` multiply-accumulates; `stream4`: the same with 4 steps a loop
 *    iteration (as the grouped kernel's unrolled channel loop).
 * V8 unrolls and peels small loops: a fixed loop of 12 accumulators is scheduled with every broadcast
 * first and spills, and one of 8 keeps only 8 multiply-adds in flight, which on a CPU with a 4-cycle
 * FMA at 2 a cycle is just enough and loses to any hiccup; so on the AMD EPYC Zen 5 the fixed loop of
 * 8 read about 10% below what the GEMM kernels reached (26 against 28-30 GMAC/s on one thread).
 * The compiler can neither hoist the products out of the loops nor fold them. Measured on one thread
 * and on every thread of the kernels' pool; the ceiling is the best of all forms.
 * GMAC/s = 4 lanes x acc x steps / time.
 */
import { kernelFor, type WasmModuleLike } from '../src/model/tfjs/kernels/runtime.ts';
import { Code, I32, moduleBytes, SIMD, V128 } from '../src/model/tfjs/kernels/wasm-encoder.ts';

export const ACCUMULATORS = [8, 10, 12] as const;
export const CEILING_FORMS = ['fixed', 'stream', 'stream4'] as const;
export type CeilingForm = (typeof CEILING_FORMS)[number];

/** Steps of the stream form's reduction (one iteration of its outer loop). */
const STREAM_STEPS = 64;
/** Bytes between the stream form's pixels (64 input channels). */
const STREAM_PIXEL = 256;
/** Bytes of scratch memory a ceiling module reads and writes (from its pointer). */
export const CEILING_SCRATCH_BYTES = STREAM_STEPS * 32 + 6 * STREAM_PIXEL + 64;

/** Multiply-adds (of 4 lanes) per iteration of a module's loop. */
export function ceilingStepsPerIteration(form: CeilingForm): number {
  return form === 'fixed' ? 1 : STREAM_STEPS;
}

/**
 * `run(p, iterations, begin, end)`: (end - begin) x iterations x `ceilingStepsPerIteration(form)`
 * steps of `acc` multiply-adds; the accumulators' sum is stored at the end of the scratch (16 bytes)
 * so that nothing is dead.
 */
export function ceilingModule(fma: boolean, acc: number, shared: boolean, form: CeilingForm = 'fixed'): Uint8Array<ArrayBuffer> {
  const c = new Code(4);
  const [P, N, BEGIN, END] = [0, 1, 2, 3];
  const a: number[] = [];
  for (let k = 0; k < acc; k++) a.push(c.local(V128));
  const w = [c.local(V128), c.local(V128)];
  const s = c.local(V128);
  const tmp = fma ? -1 : c.local(V128);
  const i = c.local(I32);
  const item = c.local(I32);
  const wq = c.local(I32), xq = c.local(I32), j = c.local(I32);
  /** `acc` multiply-adds: 2 weight vectors at `wBase`, acc / 2 broadcasts at `xBase` + `xOffset(m)`. */
  const step = (wBase: number, xBase: number, xOffset: (m: number) => number) => {
    c.get(wBase).load(0).set(w[0]).get(wBase).load(16).set(w[1]);
    for (let m = 0; m < acc / 2; m++) {
      c.get(xBase).splat(xOffset(m)).set(s);
      for (let v = 0; v < 2; v++) {
        const x = a[m * 2 + v];
        if (fma) c.get(w[v]).get(s).get(x).simd(SIMD.f32x4RelaxedMadd).set(x);
        else c.get(w[v]).get(s).simd(SIMD.f32x4Mul).set(tmp).get(x).get(tmp).simd(SIMD.f32x4Add).set(x);
      }
    }
  };
  for (let k = 0; k < acc; k++) c.zero().set(a[k]);
  c.loopRange(item, BEGIN, END, () => {
    c.i32(0).set(i);
    c.op(0x03, 0x40);
    if (form === 'fixed') step(P, P, (m) => 32 + 4 * m);
    else {
      const unroll = form === 'stream4' ? 4 : 1;
      c.get(P).set(wq).get(P).i32(STREAM_STEPS * 32).add().set(xq);
      c.loop(j, STREAM_STEPS / unroll, () => {
        for (let u = 0; u < unroll; u++) {
          step(wq, xq, (m) => m * STREAM_PIXEL);
          c.inc(wq, 32).inc(xq, 4);
        }
      });
    }
    c.get(i).i32(1).add().tee(i).get(N).op(0x48).op(0x0d, 0).op(0x0b);
  });
  c.get(a[0]);
  for (let k = 1; k < acc; k++) c.get(a[k]).simd(SIMD.f32x4Add);
  c.set(a[0]).get(P).get(a[0]).store(CEILING_SCRATCH_BYTES - 16);
  return moduleBytes([{ name: 'run', params: 4, code: c }], shared);
}

export interface Ceiling {
  /** GMAC/s: one thread, every thread of the pool. */
  oneThread: number;
  allThreads: number;
  /** Loop form and accumulators of the best figure on every thread. */
  form: CeilingForm;
  accumulators: number;
}

/**
 * Measures the ceiling in tfjs-wasm's memory (a shared one in the threaded build), on the calling
 * thread and on the kernels' pool: median of `runs` timings of `items` items (one per thread and
 * round) of `steps` steps each, after a warm-up that lets the engine tier the code up. `scratch`:
 * CEILING_SCRATCH_BYTES of memory holding small values.
 */
export function measureCeiling(mod: WasmModuleLike, scratch: number, fma: boolean, threads?: number, runs = 7, steps = 200_000): Ceiling {
  let best: Ceiling = { oneThread: 0, allThreads: 0, form: 'fixed', accumulators: 0 };
  for (const form of CEILING_FORMS) {
    for (const acc of ACCUMULATORS) {
      const { pool, kernel } = kernelFor(mod, `ceiling:${fma}:${acc}:${form}`, (shared) => ceilingModule(fma, acc, shared, form), threads);
      const iterations = Math.max(1, Math.round(steps / ceilingStepsPerIteration(form)));
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
      const gmacs = (ms: number, n: number) => (4 * acc * iterations * ceilingStepsPerIteration(form) * n) / ms / 1e6;
      const c = { oneThread: gmacs(one, 4), allThreads: gmacs(all, items), form, accumulators: acc };
      best = c.allThreads > best.allThreads ? { ...c, oneThread: Math.max(c.oneThread, best.oneThread) } : { ...best, oneThread: Math.max(c.oneThread, best.oneThread) };
    }
  }
  return best;
}
