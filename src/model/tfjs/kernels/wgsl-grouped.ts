/**
 * Grouped convolution for tfjs-backend-webgpu, tiled for a real GPU: a workgroup of 8 x 8
 * invocations computes an 8 x 8 tile of output pixels for one vector of 4 output channels (all in
 * one group), reading the input patch of the tile and the filter taps it needs through workgroup
 * memory, 4 input channels at a time, with vec4 loads and stores. The plain one-invocation-per-
 * output kernel (`groupedConvWgslProgram` in grouped.ts) stays as the reference and serves the
 * shapes this one does not (input or output channels per group not a multiple of 4).
 *
 * Per output: bias, then for each chunk of 4 input channels, taps in (ky, kx) order, each the sum
 * over the chunk's 4 channels (the same products as the reference, summed in another order).
 * Workgroup memory: ((8 - 1) * stride + K)^2 + K * K * 4 vec4s (4.7 KiB for stride 2, K = 3).
 */
import type { PaddedConvKernelShape } from './conv-shape.ts';

const TILE = 8;

interface TiledGroupedShape extends PaddedConvKernelShape {
  n: number;
  groups: number;
  bias: boolean;
}

/** Whether the tiled kernel serves a shape: whole vec4s of input and output channels per group. */
export function tiledGroupedFits(inC: number, outC: number, groups: number): boolean {
  return (inC / groups) % 4 === 0 && (outC / groups) % 4 === 0;
}

/** The tfjs WebGPU program (for `WebGPUBackend.runWebGPUProgram`) of one layer shape. */
export function groupedConvWgslTiledProgram(s: TiledGroupedShape): {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number];
  getUserCode: () => string;
} {
  if (!tiledGroupedFits(s.inC, s.outC, s.groups)) throw new Error(`tiled grouped conv: ${s.inC} inputs and ${s.outC} outputs in ${s.groups} groups are not whole vec4s per group`);
  const cpg = s.inC / s.groups;
  const opg = s.outC / s.groups;
  const ph = (TILE - 1) * s.stride + s.k; // patch rows (and columns)
  const taps = s.k * s.k;
  const oc4s = s.outC / 4;
  const key = `resnext_grouped_tiled_${[s.h, s.w, s.inC, s.ho, s.wo, s.outC, s.k, s.stride, s.pad, s.groups, +s.relu, +s.bias].join('_')}`;
  return {
    outputShape: [s.n, s.ho, s.wo, s.outC],
    shaderKey: key,
    dispatchLayout: { x: [2], y: [1], z: [0, 3] },
    dispatch: [Math.ceil(s.wo / TILE), Math.ceil(s.ho / TILE), s.n * oc4s],
    variableNames: s.bias ? ['x', 'W', 'bias'] : ['x', 'W'],
    variableComponents: s.bias ? [4, 4, 4] : [4, 4],
    outputComponent: 4,
    workgroupSize: [TILE, TILE, 1],
    getUserCode: () => `
      var<workgroup> tilePatch : array<vec4<f32>, ${ph * ph}>;
      var<workgroup> tileTaps : array<vec4<f32>, ${taps * 4}>;

      fn main() {
        let lx = i32(localId.x);
        let ly = i32(localId.y);
        let li = ly * ${TILE} + lx;
        let ox = i32(workgroupId.x) * ${TILE} + lx;
        let oy = i32(workgroupId.y) * ${TILE} + ly;
        let b = i32(workgroupId.z) / ${oc4s};
        let oc4 = i32(workgroupId.z) % ${oc4s};
        let g = (oc4 * 4) / ${opg};
        let ix0 = i32(workgroupId.x) * ${TILE * s.stride} - ${s.pad};
        let iy0 = i32(workgroupId.y) * ${TILE * s.stride} - ${s.pad};
        var acc = ${s.bias ? 'bias[oc4]' : 'vec4<f32>(0.0)'};
        for (var c4 = 0; c4 < ${cpg / 4}; c4 = c4 + 1) {
          // The chunk's input patch (zero outside the image) and its filter taps, shared by the tile.
          for (var p = li; p < ${ph * ph}; p = p + ${TILE * TILE}) {
            let iy = iy0 + p / ${ph};
            let ix = ix0 + p % ${ph};
            var v = vec4<f32>(0.0);
            // (The image size from tfjs's uniforms: a shader that reads none loses their binding.)
            if (iy >= 0 && iy < uniforms.xShape[1] && ix >= 0 && ix < uniforms.xShape[2]) {
              v = x[((b * ${s.h} + iy) * ${s.w} + ix) * ${s.inC / 4} + g * ${cpg / 4} + c4];
            }
            tilePatch[p] = v;
          }
          for (var t = li; t < ${taps * 4}; t = t + ${TILE * TILE}) {
            tileTaps[t] = W[((t / 4) * ${cpg} + c4 * 4 + t % 4) * ${oc4s} + oc4];
          }
          workgroupBarrier();
          for (var ky = 0; ky < ${s.k}; ky = ky + 1) {
            for (var kx = 0; kx < ${s.k}; kx = kx + 1) {
              let xv = tilePatch[(ly * ${s.stride} + ky) * ${ph} + lx * ${s.stride} + kx];
              let t = (ky * ${s.k} + kx) * 4;
              acc = acc + (xv.x * tileTaps[t] + xv.y * tileTaps[t + 1] + xv.z * tileTaps[t + 2] + xv.w * tileTaps[t + 3]);
            }
          }
          workgroupBarrier();
        }
        if (ox < ${s.wo} && oy < ${s.ho}) {
          ${s.relu ? 'acc = max(acc, vec4<f32>(0.0));' : ''}
          result[((b * ${s.ho} + oy) * ${s.wo} + ox) * ${oc4s} + oc4] = acc;
        }
      }
    `,
  };
}
