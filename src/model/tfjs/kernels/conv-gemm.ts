/**
 * Dense convolution as a register-blocked GEMM in generated WebAssembly SIMD, NHWC in and out,
 * working in tfjs-wasm's own memory (like `wasm-grouped.ts`). A tile of up to `mr` output pixels x
 * 8 output channels (two f32x4 vectors) is kept in 2 * mr accumulators; each step over the reduction
 * (taps x input channels) loads the 8 weights of the step as two vectors and broadcasts one input
 * value per pixel: 2 + mr loads for 2 * mr multiply-adds. With relaxed SIMD each multiply-add is one
 * `f32x4.relaxed_madd` (FMA on x86 with FMA3, ARM NEON); without, `f32x4.mul` + `f32x4.add`.
 *
 * Two layouts of the work:
 *  - flat (1x1, stride 1, no padding): the output pixels of the whole batch are one run of tiles;
 *  - rows (any kernel and stride, on an input already zero-padded): tiles inside each output row.
 * Work items, the unit a thread takes, are tiles (flat) or output rows, each with every channel
 * block (`order: 'tiles'`: the input tile stays in L1 while the weights stream), or channel blocks
 * with every tile (`order: 'blocks'`: the block's weights stay in cache while the input streams).
 * `run(x, w, out, res, begin, end)` computes items [begin, end); `res` is the residual added before
 * the ReLU (when `residual`), else ignored.
 *
 * Packed weights (`packGemmWeights`): per block of 8 output channels, one row of bias then the
 * reduction rows in (ky, kx, input channel) order, 8 floats each (zeros past the last channel).
 * Summation order per output: bias, then the reduction in that order, then the residual.
 */
import { Code, I32, moduleBytes, SIMD, V128 } from './wasm-encoder.ts';

export const GEMM_NR = 8;

export interface GemmConvShape {
  mode: 'flat' | 'rows';
  /** Images in the batch. */
  n: number;
  /** Input rows / columns as the kernel reads them (padded in `rows` mode). */
  hp: number;
  wp: number;
  inC: number;
  ho: number;
  wo: number;
  outC: number;
  k: number;
  stride: number;
  relu: boolean;
  residual: boolean;
  /** Pixels per tile (1..6 with FMA, 1..5 without: each more needs two accumulator registers). */
  mr: number;
  /** Input channels per step of the innermost loop (1, 2 or 4; divides inC). */
  unroll: number;
  fma: boolean;
  order: 'tiles' | 'blocks';
}

/** Work items of a shape: tiles or rows (order 'tiles'), channel blocks (order 'blocks'). */
export function gemmItems(s: GemmConvShape): number {
  if (s.order === 'blocks') return Math.ceil(s.outC / GEMM_NR);
  return s.mode === 'flat' ? Math.ceil((s.n * s.ho * s.wo) / s.mr) : s.n * s.ho;
}

/** Packs an OIHW weight and optional bias into [ceil(O/8), 1 + K*K*I, 8]: bias row, then (ky, kx, i) rows. */
export function packGemmWeights(oihw: Float32Array, bias: Float32Array | null, outC: number, inC: number, k: number): Float32Array {
  const blocks = Math.ceil(outC / GEMM_NR);
  const rows = 1 + k * k * inC;
  const out = new Float32Array(blocks * rows * GEMM_NR);
  for (let o = 0; o < outC; o++) {
    const base = Math.floor(o / GEMM_NR) * rows * GEMM_NR + (o % GEMM_NR);
    if (bias) out[base] = bias[o];
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        for (let i = 0; i < inC; i++) out[base + (1 + (ky * k + kx) * inC + i) * GEMM_NR] = oihw[((o * inC + i) * k + ky) * k + kx];
      }
    }
  }
  return out;
}

/** The generated module's bytes for one layer shape. */
export function gemmConvWasmBytes(s: GemmConvShape, shared: boolean): Uint8Array<ArrayBuffer> {
  const { mode, hp, wp, inC, ho, wo, outC, k, stride, relu, residual, mr, unroll, fma, order } = s;
  if (!(mr >= 1 && mr <= 6) || ![1, 2, 4].includes(unroll) || inC % unroll !== 0) throw new Error(`gemm conv: bad plan mr ${mr} unroll ${unroll} for ${inC} inputs`);
  if (mode === 'flat' && (k !== 1 || stride !== 1 || hp !== ho || wp !== wo)) throw new Error('gemm conv: flat mode is for 1x1 stride-1 convolutions without padding');
  const F = 4;
  const fullBlocks = Math.floor(outC / GEMM_NR);
  const tailLanes = outC - fullBlocks * GEMM_NR; // 0 when every block is full
  const rows = 1 + k * k * inC;
  const blockBytes = rows * GEMM_NR * F;
  const pixIn = (mode === 'flat' ? inC : stride * inC) * F; // bytes between the input pixels of a tile
  const pixOut = outC * F;
  const pixels = s.n * ho * wo;
  const tilesPerRun = mode === 'flat' ? Math.floor(pixels / mr) : Math.floor(wo / mr);
  const rest = mode === 'flat' ? pixels % mr : wo % mr;

  const c = new Code(6);
  const [X, W, OUT, RES, BEGIN, END] = [0, 1, 2, 3, 4, 5];
  const item = c.local(I32);
  const ax = c.local(I32), ao = c.local(I32), wb = c.local(I32); // tile input, tile output, block weights
  const rx = c.local(I32), ro = c.local(I32), bo = c.local(I32), bw = c.local(I32);
  const ti = c.local(I32), bi = c.local(I32), yi = c.local(I32);
  const wq = c.local(I32), xq = c.local(I32), xt = c.local(I32), xc = c.local(I32);
  const cy = c.local(I32), cx = c.local(I32), cj = c.local(I32);
  const acc: number[] = [];
  for (let i = 0; i < 2 * mr; i++) acc.push(c.local(V128));
  const w0 = c.local(V128), w1 = c.local(V128), sv = c.local(V128);
  const tmp = fma ? -1 : c.local(V128);
  const zero = relu ? c.local(V128) : -1;

  /** One tile: `m` pixels at ax (input) / ao (output), one block of weights at wb, `lanes` outputs kept. */
  const tile = (m: number, lanes: number) => {
    for (let p = 0; p < m; p++) for (let v = 0; v < 2; v++) c.get(wb).load(v * 16).set(acc[p * 2 + v]);
    c.get(wb).i32(GEMM_NR * F).add().set(wq);
    const inner = () => {
      c.loop(cj, inC / unroll, () => {
        for (let u = 0; u < unroll; u++) {
          c.get(wq).load(u * 32).set(w0).get(wq).load(u * 32 + 16).set(w1);
          for (let p = 0; p < m; p++) {
            c.get(xc).splat(p * pixIn + u * F).set(sv);
            for (let v = 0; v < 2; v++) {
              const a = acc[p * 2 + v];
              const wv = v === 0 ? w0 : w1;
              if (fma) c.get(wv).get(sv).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
              else c.get(wv).get(sv).simd(SIMD.f32x4Mul).set(tmp).get(a).get(tmp).simd(SIMD.f32x4Add).set(a);
            }
          }
        }
        c.inc(wq, unroll * 32).inc(xc, unroll * F);
      });
    };
    if (k === 1) {
      c.get(ax).set(xc);
      inner();
    } else {
      c.get(ax).set(xq);
      c.loop(cy, k, () => {
        c.get(xq).set(xt);
        c.loop(cx, k, () => {
          c.get(xt).set(xc);
          inner();
          c.inc(xt, inC * F);
        });
        c.inc(xq, wp * inC * F);
      });
    }
    for (let p = 0; p < m; p++) {
      for (let v = 0; v < 2; v++) {
        const kept = Math.min(4, Math.max(0, lanes - v * 4));
        if (kept === 0) continue;
        const a = acc[p * 2 + v];
        const off = p * pixOut + v * 16;
        const value = () => {
          c.get(a);
          if (residual) {
            if (kept === 4) c.get(RES).get(ao).get(OUT).op(0x6b).add().load(off);
            else {
              c.zero();
              for (let l = 0; l < kept; l++) {
                c.set(sv).get(RES).get(ao).get(OUT).op(0x6b).add().get(sv).loadLane(off + l * 4, l);
              }
            }
            c.simd(SIMD.f32x4Add);
          }
          if (relu) c.get(zero).simd(SIMD.f32x4Max);
        };
        if (kept === 4) {
          c.get(ao);
          value();
          c.store(off);
        } else {
          value();
          c.set(a);
          for (let l = 0; l < kept; l++) c.get(ao).get(a).storeLane(off + l * 4, l);
        }
      }
    }
  };

  /** Every block for the tile at ax/ao (ao = output of block 0). */
  const allBlocks = (m: number) => {
    c.get(W).set(wb).get(ao).set(bo);
    if (fullBlocks > 0) {
      c.loop(bi, fullBlocks, () => {
        tile(m, GEMM_NR);
        c.inc(wb, blockBytes).inc(ao, GEMM_NR * F);
      });
    }
    if (tailLanes) tile(m, tailLanes);
    c.get(bo).set(ao);
  };

  /** A run of tiles (a whole flat batch or one output row) from rx/ro, `body(m)` per tile at ax/ao. */
  const run = (body: (m: number) => void) => {
    c.get(rx).set(ax).get(ro).set(ao);
    if (tilesPerRun > 0) {
      c.loop(ti, tilesPerRun, () => {
        body(mr);
        c.inc(ax, mr * pixIn).inc(ao, mr * pixOut);
      });
    }
    if (rest) body(rest);
  };

  /** rx/ro for output row `yi` (rows mode): image yi / ho, row yi % ho. */
  const rowStart = () => {
    c.get(X).get(yi).i32(ho).divU().i32(hp * wp * inC * F).mul().add();
    c.get(yi).i32(ho).remU().i32(stride * wp * inC * F).mul().add().set(rx);
    c.get(OUT).get(yi).i32(wo * pixOut).mul().add().set(ro);
  };

  if (relu) c.zero().set(zero);
  if (order === 'tiles') {
    c.loopRange(item, BEGIN, END, () => {
      if (mode === 'flat') {
        // item = tile: full tiles, then the last partial one.
        c.get(X).get(item).i32(mr * pixIn).mul().add().set(ax);
        c.get(OUT).get(item).i32(mr * pixOut).mul().add().set(ao);
        if (rest) {
          c.get(item).i32(tilesPerRun).op(0x48).op(0x04, 0x40);
          allBlocks(mr);
          c.op(0x05);
          allBlocks(rest);
          c.op(0x0b);
        } else allBlocks(mr);
      } else {
        c.get(item).set(yi);
        rowStart();
        run((m) => allBlocks(m));
      }
    });
  } else {
    c.loopRange(item, BEGIN, END, () => {
      // item = block: every tile of every row with this block's weights.
      c.get(W).get(item).i32(blockBytes).mul().add().set(bw);
      const forBlock = (lanes: number) => {
        const body = (m: number) => {
          c.get(bw).set(wb).get(ao).get(item).i32(GEMM_NR * F).mul().add().set(ao);
          tile(m, lanes);
          c.get(ao).get(item).i32(GEMM_NR * F).mul().op(0x6b).set(ao);
        };
        if (mode === 'flat') {
          c.get(X).set(rx).get(OUT).set(ro);
          run(body);
        } else {
          c.loop(yi, s.n * ho, () => {
            rowStart();
            run(body);
          });
        }
      };
      if (tailLanes && fullBlocks > 0) {
        c.get(item).i32(fullBlocks).op(0x48).op(0x04, 0x40);
        forBlock(GEMM_NR);
        c.op(0x05);
        forBlock(tailLanes);
        c.op(0x0b);
      } else forBlock(tailLanes || GEMM_NR);
    });
  }
  return moduleBytes([{ name: 'run', params: 6, code: c }], shared);
}
