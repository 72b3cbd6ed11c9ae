/**
 * "This browser" as a device: the engine worker's measurement of the active backend, made once on demand
 * and shared by the cost and compare views. The engine (and tfjs) loads only when it is asked for.
 */
import { useSyncExternalStore } from 'react';
import { BROWSER_DEVICE, browserDevice, findDevice, type Device } from '../analysis/devices.ts';
import type { BackendSpeed } from '../model/engine/protocol.ts';
import { getEngine } from './engine.ts';
import type { BackendChoice } from './state.ts';
import { messageFromError, type Message } from '../model/message.ts';
import { appMessage } from './i18n/translator.ts';

type SpeedState =
  | { status: 'idle' }
  | { status: 'measuring'; backend: BackendChoice }
  | { status: 'done'; speed: BackendSpeed }
  | { status: 'error'; error: Message };

let state: SpeedState = { status: 'idle' };
const listeners = new Set<() => void>();

function set(next: SpeedState): void {
  state = next;
  for (const l of listeners) l();
}

/** Measures the backend `choice` (the app's backend setting) unless a measurement is done or under way. */
export async function measureBrowser(choice: BackendChoice, again = false): Promise<void> {
  if (state.status === 'measuring' || (state.status === 'done' && !again)) return;
  set({ status: 'measuring', backend: choice });
  try {
    const engine = await getEngine();
    const info = await engine.info();
    if (info.backend === null || (choice !== 'auto' && info.backend !== choice)) await engine.setBackend(choice);
    set({ status: 'done', speed: await engine.measureSpeed() });
  } catch (e) {
    set({ status: 'error', error: appMessage('browser.failed', { error: messageFromError(e) }) });
  }
}

export function useBrowserSpeed(): SpeedState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

/** The device of the cost settings' choice: a table entry, "This browser" once measured, or null while it is not. */
export function chosenDevice(choice: string, speed: SpeedState): Device | null {
  if (choice !== BROWSER_DEVICE) return findDevice(choice) ?? null;
  return speed.status === 'done' ? browserDevice(speed.speed) : null;
}
