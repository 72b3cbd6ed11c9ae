/**
 * The WebAssembly SIMD ceiling of this machine: a generated loop of `ACC` independent f32x4
 * multiply-accumulates (no loads in the loop), as `f32x4.mul` + `f32x4.add` or as
 * `f32x4.relaxed_madd` (fused multiply-add). `ceilingModule(fma)` is run on one thread or on every
 * thread of the kernels' pool; GMAC/s = 4 lanes x ACC x iterations / time.
 */
import { Code, I32, moduleBytes, SIMD, V128 } from '../src/model/tfjs/kernels/wasm-encoder.ts';

/** Independent accumulators: enough to hide the FMA latency (4 cycles) at 2 FMAs a cycle, and no spill. */
export const ACC = 12;

/**
 * `run(p, iterations)`: ACC accumulators, `iterations` steps of ACC multiply-adds each, as a 6x8
 * GEMM micro-kernel step that never advances: 2 vector loads and 6 broadcast loads from the same 48
 * bytes at `p` (always in L1), 12 products into 12 accumulators, so that the compiler can neither
 * hoist the products out of the loop nor fold them. The accumulators' sum is stored at `p` + 48
 * (16 bytes) so that nothing is dead. MACs = 4 * ACC * iterations.
 */
export function ceilingModule(fma: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  const c = new Code(2);
  const [P, N] = [0, 1];
  const acc: number[] = [];
  for (let k = 0; k < ACC; k++) acc.push(c.local(V128));
  const w = [c.local(V128), c.local(V128)];
  const s = c.local(V128);
  const i = c.local(I32);
  for (let k = 0; k < ACC; k++) c.zero().set(acc[k]);
  c.op(0x03, 0x40);
  c.get(P).load(0).set(w[0]).get(P).load(16).set(w[1]);
  for (let m = 0; m < ACC / 2; m++) {
    c.get(P).splat(32 + 4 * (m % 4)).set(s);
    for (let v = 0; v < 2; v++) {
      const a = acc[m * 2 + v];
      if (fma) c.get(w[v]).get(s).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
      else c.get(a).get(w[v]).get(s).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(a);
    }
  }
  c.get(i).i32(1).add().tee(i).get(N).op(0x48).op(0x0d, 0).op(0x0b);
  c.get(acc[0]);
  for (let k = 1; k < ACC; k++) c.get(acc[k]).simd(SIMD.f32x4Add);
  c.set(acc[0]).get(P).get(acc[0]).store(48);
  return moduleBytes([{ name: 'run', params: 2, code: c }], shared);
}

/** GMAC/s of `iterations` steps that took `ms`. */
export function ceilingGmacs(iterations: number, ms: number, threads = 1): number {
  return (4 * ACC * iterations * threads) / ms / 1e6;
}
