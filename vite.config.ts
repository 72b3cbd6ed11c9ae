/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

/**
 * Cross-origin isolation (SharedArrayBuffer, hence multi-threaded wasm) on `vite` and `vite preview`.
 * COEP require-corp still lets the engine load weights from another origin: it fetches them with
 * mode 'cors', and the Hugging Face hub answers with Access-Control-Allow-Origin: *.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * tfjs-backend-wasm starts its pthread workers from `factory.toString()` of the threaded-SIMD
 * Emscripten factory. That inner function reads `_scriptDir`, a variable of the closure around it:
 * unminified, the worker copy guards it with `typeof _scriptDir !== "undefined"`, but the minifier,
 * knowing the variable is declared, rewrites the guard to a plain comparison and renames the
 * variable (`e`), so every pthread worker throws `ReferenceError: e is not defined` and the backend
 * waits forever for its threads. Here the inner function stops reading the closure: its script
 * directory is never needed (tfjs passes the .wasm URLs and the worker script explicitly).
 */
export function tfjsWasmThreadsFix(): Plugin {
  return {
    name: 'tfjs-wasm-threads-fix',
    enforce: 'pre',
    transform(code, id) {
      if (!/tfjs-backend-wasm-threaded-simd\.js(\?.*)?$/.test(id)) return null;
      const guard = 'if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}';
      const urlOrBlob = '"urlOrBlob":Module["mainScriptUrlOrBlob"]||_scriptDir';
      if (!code.includes(guard) || !code.includes(urlOrBlob)) {
        this.error('tfjs-wasm-threads-fix: the threaded-SIMD factory changed; re-check the _scriptDir closure reads');
      }
      return { code: code.replace(guard, '').replace(urlOrBlob, '"urlOrBlob":Module["mainScriptUrlOrBlob"]'), map: null };
    },
  };
}

/**
 * Two builds: the app (`vite build`, into dist/) holds index.html and what it loads, nothing else;
 * `vite build --mode e2e` (into dist-e2e/, for the Playwright tests and the benchmarks) adds
 * e2e-harness.html, whose worker is the app's engine plus the tests' and benchmarks' requests
 * (test/support/harness). `test/bundle.test.ts` checks that the app's build carries none of it.
 */
export const E2E_MODE = 'e2e';

export default defineConfig(({ mode }) => ({
  plugins: [react(), tfjsWasmThreadsFix()],
  // The engine worker is not minified: with Vite 8's minifier, tfjs-backend-webgpu 4.22 computed
  // wrong 1x1 convolutions over 2 or 4 input channels in the worker (forms check: max diff 13.5
  // minified, 2e-6 unminified, same code); tfjs and the backends load only in this worker.
  worker: { format: 'es', plugins: () => [tfjsWasmThreadsFix()], rolldownOptions: { output: { minify: false } } },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
  build: {
    outDir: mode === E2E_MODE ? 'dist-e2e' : 'dist',
    rolldownOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        ...(mode === E2E_MODE ? { harness: resolve(import.meta.dirname, 'e2e-harness.html') } : {}),
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Relaxed SIMD (the kernels' FMA path) is on by default from Node 22; Node 20 needs the flag.
    execArgv: Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [],
  },
}));
