/**
 * One asynchronous engine request as React state: whether it runs, its last result, its error. Only
 * the latest call's answer is kept, however the worker's answers interleave (a second image picked
 * while the first is classified wins), and nothing is set after the component is gone.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EngineClient } from '../model/engine/client.ts';
import { messageFromError, type Message } from '../model/message.ts';
import { getEngine } from './engine.ts';

interface EngineTask<T> {
  running: boolean;
  result: T | null;
  /** The last failure, as a message the view translates. */
  error: Message | null;
  /** Runs `task` on the engine; resolves with its result, or null when it failed or was overtaken. */
  run: (task: (engine: EngineClient) => Promise<T>) => Promise<T | null>;
  /** Forgets the result and error, and any answer still on its way. */
  reset: () => void;
  /** Shows an error without asking the engine (a bad field, say). */
  fail: (message: Message) => void;
}

interface TaskState<T> {
  running: boolean;
  result: T | null;
  error: Message | null;
}

export function useEngineTask<T>(): EngineTask<T> {
  const [state, setState] = useState<TaskState<T>>({ running: false, result: null, error: null });
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
    setState({ running: true, result: null, error: null });
    try {
      const result = await task(await getEngine());
      if (!current()) return null;
      setState({ running: false, result, error: null });
      return result;
    } catch (e) {
      if (current()) setState({ running: false, result: null, error: messageFromError(e) });
      return null;
    }
  }, []);

  const reset = useCallback(() => {
    ticket.current++;
    setState({ running: false, result: null, error: null });
  }, []);

  const fail = useCallback((message: Message) => {
    ticket.current++;
    setState({ running: false, result: null, error: message });
  }, []);

  return { ...state, run, reset, fail };
}
