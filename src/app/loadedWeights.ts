/**
 * The weights the engine holds, in one place for the whole app: the Run and Explain views read them
 * from here and load through here, so each describes the weights actually loaded, whichever view
 * loaded them. The engine keeps its previous weights when a load fails, and so does this.
 */
import { useCallback, useSyncExternalStore } from 'react';
import type { EngineClient } from '../model/engine/client.ts';
import type { LoadedWeights } from '../model/engine/protocol.ts';
import type { Message } from '../model/message.ts';
import { useEngineTask } from './useEngineTask.ts';
import { withCheckpoint, withConfig, type AppState } from './state.ts';

let held: LoadedWeights | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): LoadedWeights | null {
  return held;
}

/** The engine answered a load: these weights are now the loaded ones. */
function hold(weights: LoadedWeights): LoadedWeights {
  held = weights;
  for (const l of listeners) l();
  return weights;
}

interface LoadedWeightsHandle {
  /** The weights the engine holds, or null. */
  weights: LoadedWeights | null;
  /** Whether a load asked by this component runs, and how its last one failed. */
  loading: boolean;
  error: Message | null;
  /**
   * Asks the engine to load weights (`request`: a file, a URL, random weights); resolves with them, or
   * null when the load failed or a later one from this component overtook it. Every load the engine
   * answers becomes the loaded weights, overtaken or not: they are what it holds.
   */
  load: (request: (engine: EngineClient) => Promise<LoadedWeights>) => Promise<LoadedWeights | null>;
  /** Shows an error without asking the engine (weights too large to draw, say). */
  fail: (message: Message) => void;
}

export function useLoadedWeights(): LoadedWeightsHandle {
  const weights = useSyncExternalStore(subscribe, snapshot);
  const { running, error, run, fail } = useEngineTask<LoadedWeights>();
  const load = useCallback((request: (engine: EngineClient) => Promise<LoadedWeights>) => run(async (engine) => hold(await request(engine))), [run]);
  return { weights, loading: running, error, load, fail };
}

/**
 * The app's state showing the loaded weights' network (at the configured input size), as "use the
 * weights' network" in Run and Explain asks: weights from a file record it as the checkpoint the
 * network came from, as a file dropped anywhere does; a URL or random weights do not.
 */
export function withWeightsNetwork(state: AppState, weights: LoadedWeights): AppState {
  const config = { ...weights.config, input: state.config.input };
  const fromFile = !weights.random && !weights.pretrained && !/^[a-z][a-z0-9+.-]*:\/\//i.test(weights.source);
  return fromFile ? withCheckpoint(state, config, weights.source) : withConfig(state, config);
}
