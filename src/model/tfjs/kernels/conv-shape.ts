/**
 * The layer shape every generated convolution kernel bakes in (NHWC, a square window, dilation 1):
 * one description read by the wasm GEMM (`conv-gemm.ts`), the wasm grouped (`wasm-grouped.ts`) and the
 * WGSL tiled grouped (`wgsl-grouped.ts`) kernels, each adding only its own plan. Output sides are
 * PyTorch's (`convOutSize` in graph.ts).
 */
export interface ConvKernelShape {
  /** Input channels. */
  inC: number;
  /** Output rows, columns, channels. */
  ho: number;
  wo: number;
  outC: number;
  /** Window side and stride. */
  k: number;
  stride: number;
  /** ReLU on the output. */
  relu: boolean;
}

/** A kernel that reads the input as stored (not padded) and skips the taps that fall into the padding. */
export interface PaddedConvKernelShape extends ConvKernelShape {
  /** Input rows and columns. */
  h: number;
  w: number;
  pad: number;
}
