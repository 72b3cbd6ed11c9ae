/**
 * How many threads the wasm backend gets: every core the browser reports (tfjs-wasm's own default
 * is half of them), and 1 without cross-origin isolation, where SharedArrayBuffer is unavailable.
 */
export function wasmThreadCount(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (!g.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(16, g.navigator?.hardwareConcurrency ?? 1));
}
