/** Zero padding in plain JS, the reference for the pad kernel: NHWC [n, h, w, c] into [n, hp, wp, c]. */
export function padReference(x: Float32Array, n: number, h: number, w: number, c: number, hp: number, wp: number, pad: number): Float32Array {
  const out = new Float32Array(n * hp * wp * c);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) out.set(x.subarray((i * h + y) * w * c, (i * h + y + 1) * w * c), ((i * hp + y + pad) * wp + pad) * c);
  return out;
}
