/**
 * One asynchronous engine request as React state: whether it runs, its last result, its error. Only
 * the latest call's answer is kept, however the worker's answers interleave (a second image picked
 * while the first is classified wins), and nothing is set after the component is gone.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineClient } from '../model/engine/client.ts';
import { errorText, getEngine } from './engine.ts';

export interface EngineTask<T> {
  running: boolean;
  result: T | null;
  error: string;
  /** Runs `task` on the engine; resolves with its result, or null when it failed or was overtaken. */
  run: (task: (engine: EngineClient) => Promise<T>) => Promise<T | null>;
  /** Forgets the result and error, and any answer still on its way. */
  reset: () => void;
  /** Shows an error without asking the engine (a bad field, say). */
  fail: (message: string) => void;
}

interface TaskState<T> {
  running: boolean;
  result: T | null;
  error: string;
}

export function useEngineTask<T>(): EngineTask<T> {
  const [state, setState] = useState<TaskState<T>>({ running: false, result: null, error: '' });
  const ticket = useRef(0);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  const run = useCallback(async (task: (engine: EngineClient) => Promise<T>): Promise<T | null> => {
    const mine = ++ticket.current;
    const current = () => live.current && mine === ticket.current;
    setState({ running: true, result: null, error: '' });
    try {
      const result = await task(await getEngine());
      if (!current()) return null;
      setState({ running: false, result, error: '' });
      return result;
    } catch (e) {
      if (current()) setState({ running: false, result: null, error: errorText(e) });
      return null;
    }
  }, []);

  const reset = useCallback(() => {
    ticket.current++;
    setState({ running: false, result: null, error: '' });
  }, []);

  const fail = useCallback((message: string) => {
    ticket.current++;
    setState({ running: false, result: null, error: message });
  }, []);

  return { ...state, run, reset, fail };
}
