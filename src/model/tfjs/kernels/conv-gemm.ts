/**
 * Dense convolution as a register-blocked GEMM in generated WebAssembly SIMD, NHWC in and out,
 * working in tfjs-wasm's own memory (like `wasm-grouped.ts`). A tile of up to `mr` output pixels x
 * 8 output channels (two f32x4 vectors) is kept in 2 * mr accumulators; each step over the reduction
 * (taps x input channels) loads the 8 weights of the step as two vectors and broadcasts one input
 * value per pixel: 2 + mr loads for 2 * mr multiply-adds. With relaxed SIMD each multiply-add is one
 * `f32x4.relaxed_madd` (FMA on x86 with FMA3, ARM NEON); without, `f32x4.mul` + `f32x4.add`.
 *
 * Tiles are runs of `mr` consecutive output pixels in row-major order:
 *  - flat (1x1, stride 1, no padding): over every pixel of the batch (input pixels evenly spaced);
 *  - rows (any kernel and stride, on an input already zero-padded): over the pixels of one image,
 *    running on from the end of one output row into the next (a 7-pixel row is not split 6 + 1). The
 *    input offsets of a tile's pixels are immediates, so each start column where a tile wraps gets
 *    its own copy of the tile code.
 * Cache blocking: a work item (the unit a thread takes) is a panel of `panel` tiles x a group of
 * `group` blocks of 8 output channels; per block of the group, every tile of the panel. The panel's
 * input stays in L2 while the group's weights pass, a block's weights in L1/L2 while the panel's tiles
 * pass, so the weights are read from memory once per panel, not once per tile.
 * `run(x, w, out, res, begin, end)` computes items [begin, end); `res` is the residual added before
 * the ReLU (when `residual`), else ignored.
 *
 * Packed weights (`packGemmWeights`): per block of 8 output channels, one row of bias then the
 * reduction rows in (ky, kx, input channel) order, 8 floats each (zeros past the last channel).
 * Summation order per output: bias, then the reduction in that order, then the residual (a 1x1 tile of one
 * pixel: four partial sums over every fourth input channel, the first from the bias, added at the end).
 */
import type { ConvKernelShape } from './conv-shape.ts';
import { Code, I32, moduleBytes, SIMD, V128 } from './wasm-encoder.ts';

export const GEMM_NR = 8;

export interface GemmConvShape extends ConvKernelShape {
  mode: 'flat' | 'rows';
  /** Images in the batch. */
  n: number;
  /** Input rows / columns as the kernel reads them (padded in `rows` mode). */
  hp: number;
  wp: number;
  residual: boolean;
  /** Pixels per tile (1..6 with FMA, 1..5 without: each more needs two accumulator registers). */
  mr: number;
  /** Tiles per panel, blocks of 8 output channels per group (a work item is one panel x one group). */
  panel: number;
  group: number;
  fma: boolean;
}

/** Tiles of the batch (flat) or of one image (rows). */
function tilesOf(s: Pick<GemmConvShape, 'mode' | 'n' | 'ho' | 'wo' | 'mr'>): number {
  return Math.ceil(((s.mode === 'flat' ? s.n : 1) * s.ho * s.wo) / s.mr);
}

/** Work items of a shape: panels (of the batch, or of each image) x groups of channel blocks. */
export function gemmItems(s: GemmConvShape): number {
  const panels = Math.ceil(tilesOf(s) / s.panel) * (s.mode === 'flat' ? 1 : s.n);
  return panels * Math.ceil(Math.ceil(s.outC / GEMM_NR) / s.group);
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
  const { mode, n, hp, wp, inC, ho, wo, outC, k, stride, relu, residual, mr, panel, group, fma } = s;
  if (!(mr >= 1 && mr <= 6) || !(panel >= 1) || !(group >= 1)) throw new Error(`gemm conv: bad plan mr ${mr} panel ${panel} group ${group}`);
  if (mode === 'flat' && (k !== 1 || stride !== 1 || hp !== ho || wp !== wo)) throw new Error('gemm conv: flat mode is for 1x1 stride-1 convolutions without padding');
  const F = 4;
  const blocks = Math.ceil(outC / GEMM_NR);
  const tailLanes = outC % GEMM_NR; // lanes of the last block when it is partial, else 0
  const rows = 1 + k * k * inC;
  const blockBytes = rows * GEMM_NR * F;
  const pixOut = outC * F;
  const tiles = tilesOf(s);
  const rest = ((mode === 'flat' ? n : 1) * ho * wo) % mr; // pixels of the last tile when it is partial
  const panels = Math.ceil(tiles / panel);
  const groups = Math.ceil(blocks / group);

  /** Input byte offsets of the pixels of a tile of `m` pixels starting at column c0 (rows) or anywhere (flat). */
  const offsets = (c0: number, m: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < m; i++) {
      if (mode === 'flat') out.push(i * inC * F);
      else out.push((Math.floor((c0 + i) / wo) * stride * wp + ((c0 + i) % wo - c0) * stride) * inC * F);
    }
    return out;
  };

  const c = new Code(6);
  const [X, W, OUT, RES, BEGIN, END] = [0, 1, 2, 3, 4, 5];
  const item = c.local(I32), pi = c.local(I32), img = c.local(I32);
  const t = c.local(I32), t0 = c.local(I32), t1 = c.local(I32), b = c.local(I32), b0 = c.local(I32), b1 = c.local(I32);
  const ax = c.local(I32), ao = c.local(I32), wb = c.local(I32), ox = c.local(I32), q = c.local(I32);
  const wq = c.local(I32), xq = c.local(I32), xt = c.local(I32), xc = c.local(I32);
  const cy = c.local(I32), cx = c.local(I32), cj = c.local(I32);
  const acc: number[] = [];
  for (let i = 0; i < 2 * mr; i++) acc.push(c.local(V128));
  const w0 = c.local(V128), w1 = c.local(V128), sv = c.local(V128);
  const tmp = fma ? -1 : c.local(V128);
  const zero = relu ? c.local(V128) : -1;

  /** One tile: pixels at ax + `offs` (input) / ao (output), the block's weights at wb, `lanes` outputs kept. */
  const tile = (offs: number[], lanes: number) => {
    const m = offs.length;
    // A tile of one pixel (the fc layer; the last of 49 pixels at 7x7) would wait on its two accumulators'
    // multiply-add latency every step: a 1x1 one splits the reduction over 4 pairs, summed at the end.
    const split = m === 1 && k === 1 && mr >= 4 && inC % 4 === 0;
    for (let p = 0; p < m; p++) for (let v = 0; v < 2; v++) c.get(wb).load(v * 16).set(acc[p * 2 + v]);
    if (split) for (let i = 2; i < 8; i++) c.zero().set(acc[i]);
    c.get(wb).i32(GEMM_NR * F).add().set(wq);
    const inner = () => {
      if (split) {
        c.loop(cj, inC / 4, () => {
          for (let u = 0; u < 4; u++) {
            c.get(wq).load(u * 32).set(w0).get(wq).load(u * 32 + 16).set(w1);
            c.get(xc).splat(offs[0] + u * F).set(sv);
            for (let v = 0; v < 2; v++) {
              const a = acc[u * 2 + v];
              const wv = v === 0 ? w0 : w1;
              if (fma) c.get(wv).get(sv).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
              else c.get(wv).get(sv).simd(SIMD.f32x4Mul).set(tmp).get(a).get(tmp).simd(SIMD.f32x4Add).set(a);
            }
          }
          c.inc(wq, 4 * 32).inc(xc, 4 * F);
        });
        for (let v = 0; v < 2; v++) {
          c.get(acc[v]).get(acc[2 + v]).simd(SIMD.f32x4Add).get(acc[4 + v]).get(acc[6 + v]).simd(SIMD.f32x4Add).simd(SIMD.f32x4Add).set(acc[v]);
        }
        return;
      }
      // One input channel per step: unrolled steps let the compiler hoist loads and spill.
      c.loop(cj, inC, () => {
        c.get(wq).load(0).set(w0).get(wq).load(16).set(w1);
        for (let p = 0; p < m; p++) {
          c.get(xc).splat(offs[p]).set(sv);
          for (let v = 0; v < 2; v++) {
            const a = acc[p * 2 + v];
            const wv = v === 0 ? w0 : w1;
            if (fma) c.get(wv).get(sv).get(a).simd(SIMD.f32x4RelaxedMadd).set(a);
            else c.get(wv).get(sv).simd(SIMD.f32x4Mul).set(tmp).get(a).get(tmp).simd(SIMD.f32x4Add).set(a);
          }
        }
        c.inc(wq, 32).inc(xc, F);
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

  /** Start columns (rows mode) at which a full tile runs past the end of its row, among the tiles that occur. */
  const wraps: number[] = [];
  if (mode === 'rows') {
    for (let i = 0; i < tiles - (rest ? 1 : 0); i++) {
      const c0 = (i * mr) % wo;
      if (c0 + mr > wo && !wraps.includes(c0)) wraps.push(c0);
    }
  }

  /** Tile t of image img (rows) or of the batch (flat): its pointers, then the code for where it starts. */
  const tileAt = (lanes: number) => {
    c.get(t).i32(mr).mul().set(q);
    if (mode === 'flat') {
      c.get(X).get(q).i32(inC * F).mul().add().set(ax);
      c.get(OUT).get(q).i32(pixOut).mul().add();
    } else {
      c.get(q).i32(wo).remU().set(ox);
      // ax = x + img * hp * wp * inC + (oy * stride * wp + ox * stride) * inC, oy = q / wo
      c.get(X).get(img).i32(hp * wp * inC * F).mul().add();
      c.get(q).i32(wo).divU().i32(stride * wp * inC * F).mul().add();
      c.get(ox).i32(stride * inC * F).mul().add().set(ax);
      c.get(OUT).get(img).i32(ho * wo).mul().get(q).add().i32(pixOut).mul().add();
    }
    c.get(b).i32(GEMM_NR * F).mul().add().set(ao);
    const full = () => {
      if (mode === 'flat' || !wraps.length) {
        tile(offsets(0, mr), lanes);
        return;
      }
      // if (ox <= wo - mr) the tile stays in its row, else one copy per start column where it wraps.
      c.get(ox).i32(wo - mr).op(0x4c).op(0x04, 0x40);
      tile(offsets(0, mr), lanes);
      for (const c0 of wraps) {
        c.op(0x05);
        c.get(ox).i32(c0).op(0x46).op(0x04, 0x40);
        tile(offsets(c0, mr), lanes);
      }
      for (let i = 0; i < wraps.length; i++) c.op(0x0b);
      c.op(0x0b);
    };
    if (rest) {
      c.get(t).i32(tiles - 1).op(0x46).op(0x04, 0x40); // the last tile is partial
      tile(offsets(((tiles - 1) * mr) % wo, rest), lanes);
      c.op(0x05);
      full();
      c.op(0x0b);
    } else full();
  };

  /** Every tile of the panel [t0, t1) for block b, weights at wb. */
  const panelTiles = (lanes: number) => c.loopRange(t, t0, t1, () => tileAt(lanes));

  if (relu) c.zero().set(zero);
  c.loopRange(item, BEGIN, END, () => {
    // item = panel * groups + group; rows mode: panel = image * panels + panel of the image.
    c.get(item).i32(groups).divU().set(pi);
    if (mode === 'rows') {
      c.get(pi).i32(panels).divU().set(img);
      c.get(pi).i32(panels).remU().set(pi);
    }
    c.get(pi).i32(panel).mul().tee(t0).i32(panel).add().set(t1);
    c.get(t1).i32(tiles).op(0x4a).op(0x04, 0x40).i32(tiles).set(t1).op(0x0b); // t1 = min(t1, tiles)
    c.get(item).i32(groups).remU().i32(group).mul().tee(b0).i32(group).add().set(b1);
    c.get(b1).i32(blocks).op(0x4a).op(0x04, 0x40).i32(blocks).set(b1).op(0x0b);
    c.loopRange(b, b0, b1, () => {
      c.get(W).get(b).i32(blockBytes).mul().add().set(wb);
      if (tailLanes) {
        c.get(b).i32(blocks - 1).op(0x46).op(0x04, 0x40);
        panelTiles(tailLanes);
        c.op(0x05);
        panelTiles(GEMM_NR);
        c.op(0x0b);
      } else panelTiles(GEMM_NR);
    });
  });
  return moduleBytes([{ name: 'run', params: 6, code: c }], shared);
}
