/**
 * zlib data inflated only as far as it is needed: fflate's one-shot inflate, even into a fixed output
 * buffer, runs the whole stream (a 200 KB deflate bomb costs seconds for the 200 MB it stands for), so
 * the stream is fed in steps and stopped as soon as `max` bytes have come out. The work is then
 * bounded by what the caller needs (at most about 4 times it), not by the file.
 */
import { Unzlib } from 'fflate';

/**
 * Compressed bytes fed per step, sized by what is still needed: a step inflates to at most 1,032 times
 * its size (deflate's largest ratio), so at most about 4 times what is still needed (64 bytes to 1 MB a
 * step; few, large steps run about as fast as the one-shot inflate).
 */
function step(remaining: number): number {
  return Math.min(1 << 20, Math.max(64, Math.ceil(remaining / 256)));
}

/** The first `max` inflated bytes of a zlib stream (fewer where it ends sooner); throws where it is damaged before that. */
export function inflateAtMost(data: Uint8Array, max: number): Uint8Array {
  const out = new Uint8Array(max);
  let produced = 0;
  const z = new Unzlib((chunk) => {
    const n = Math.min(chunk.length, max - produced);
    out.set(chunk.subarray(0, n), produced);
    produced += n;
  });
  for (let at = 0; at < data.length && produced < max;) {
    const end = Math.min(data.length, at + step(max - produced));
    z.push(data.subarray(at, end), end === data.length);
    at = end;
  }
  return out.subarray(0, produced);
}
