/**
 * Batch-norm folding and weight layout conversion: pure functions on Float32Arrays, one formula
 * each. PyTorch layouts in (conv OIHW, linear [out, in]); tfjs layouts out (HWIO, [in, out]).
 */

export interface BatchNormParams {
  weight: Float32Array;
  bias: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  eps: number;
}

/**
 * Folds an inference-mode BatchNorm into the conv before it:
 * s[o] = gamma[o] / sqrt(var[o] + eps); W'[o] = W[o] * s[o]; b'[o] = beta[o] + (b[o] - mean[o]) * s[o].
 * Computed in float64, rounded once to float32. `weight` is OIHW (any trailing shape per output).
 */
export function foldBatchNorm(
  weight: Float32Array,
  outChannels: number,
  bn: BatchNormParams,
  convBias?: Float32Array,
): { weight: Float32Array; bias: Float32Array } {
  const per = weight.length / outChannels;
  if (!Number.isInteger(per)) throw new Error(`weight of ${weight.length} values does not split into ${outChannels} outputs`);
  const w = new Float32Array(weight.length);
  const b = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const s = bn.weight[o] / Math.sqrt(bn.runningVar[o] + bn.eps);
    for (let i = o * per; i < (o + 1) * per; i++) w[i] = weight[i] * s;
    b[o] = bn.bias[o] + ((convBias ? convBias[o] : 0) - bn.runningMean[o]) * s;
  }
  return { weight: w, bias: b };
}

/** OIHW [O, I, K, K] to tfjs conv2d's HWIO [K, K, I, O]. */
export function oihwToHwio(w: Float32Array, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((y * kw + x) * i + b) * o + a] = w[((a * i + b) * kh + y) * kw + x];
  return out;
}

/** Linear weight [out, in] to the [in, out] matrix that `x @ W` needs. */
export function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

/**
 * Grouped OIHW [O, O/G... I/G, K, K] as one dense HWIO [K, K, I, O] filter that is zero outside the
 * diagonal blocks: output o of group g = floor(o / (O/G)) reads only inputs g*(I/G) .. (g+1)*(I/G)-1.
 */
export function blockDiagonalHwio(w: Float32Array, outC: number, inC: number, groups: number, k: number): Float32Array {
  const cpg = inC / groups;
  const opg = outC / groups;
  const out = new Float32Array(k * k * inC * outC);
  for (let o = 0; o < outC; o++) {
    const g = Math.floor(o / opg);
    for (let j = 0; j < cpg; j++)
      for (let t = 0; t < k * k; t++) out[(t * inC + g * cpg + j) * outC + o] = w[(o * cpg + j) * k * k + t];
  }
  return out;
}

/**
 * Grouped OIHW as a depthwise filter [K, K, I, O/G] (channel multiplier O/G): input channel
 * i = g*(I/G) + j, multiplier m carries W[g*(O/G) + m, j]. Summing the depthwise output over j
 * gives the grouped convolution.
 */
export function depthwiseHwim(w: Float32Array, outC: number, inC: number, groups: number, k: number): Float32Array {
  const cpg = inC / groups;
  const opg = outC / groups;
  const out = new Float32Array(k * k * inC * opg);
  for (let g = 0; g < groups; g++)
    for (let m = 0; m < opg; m++)
      for (let j = 0; j < cpg; j++)
        for (let t = 0; t < k * k; t++) out[(t * inC + g * cpg + j) * opg + m] = w[((g * opg + m) * cpg + j) * k * k + t];
  return out;
}
