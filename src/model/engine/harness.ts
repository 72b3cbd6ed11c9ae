/**
 * Entry of e2e-harness.html: exposes the EngineClient class and one instance to Playwright tests,
 * which drive the worker exactly as the app does.
 */
import { EngineClient } from './client.ts';

declare global {
  interface Window {
    __engine: EngineClient;
    __EngineClient: typeof EngineClient;
    __engineReady: boolean;
  }
}

window.__EngineClient = EngineClient;
window.__engine = new EngineClient();
window.__engineReady = true;
document.body.dataset.engine = 'ready';
