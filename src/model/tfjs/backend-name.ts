/**
 * The tfjs backends the engine can run on, in the order "auto" tries them. Kept free of imports so
 * that the page can name backends without loading any inference code.
 */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
