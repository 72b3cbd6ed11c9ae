/**
 * Entry of e2e-harness.html (built only with `vite build --mode e2e`): exposes the harness client
 * class and one instance to the Playwright tests and the benchmarks, which drive the app's engine
 * code in a worker as the app does.
 */
import { HarnessClient } from './client.ts';

declare global {
  interface Window {
    __engine: HarnessClient;
    __EngineClient: typeof HarnessClient;
    __engineReady: boolean;
  }
}

window.__EngineClient = HarnessClient;
window.__engine = new HarnessClient();
window.__engineReady = true;
document.body.dataset.engine = 'ready';
