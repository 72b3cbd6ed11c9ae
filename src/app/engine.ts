/**
 * The engine, loaded on first use: the client module (and its worker, which loads tfjs) is fetched
 * only when the user asks for inference, so the analysis views appear without it.
 */
import type { EngineClient } from '../model/engine/client.ts';

let engine: Promise<EngineClient> | null = null;

export function getEngine(): Promise<EngineClient> {
  engine ??= import('../model/engine/client.ts').then((m) => new m.EngineClient()).catch((e: unknown) => {
    engine = null;
    throw e;
  });
  return engine;
}
