/**
 * The one store: the app state plus the notices to show, kept in step with the URL. Every update
 * writes the canonical query (push, or replace when the same control changes again within a
 * second, so typing does not flood the history); back/forward re-read the URL.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import { parseState, serializeState, type AppState } from './state.ts';
import type { Message } from '../model/message.ts';
import { preferredLang, type Lang } from './i18n/lang.ts';

interface Snapshot {
  state: AppState;
  notices: Message[];
}

interface UpdateOptions {
  /** Updates with the same key within a second replace the history entry instead of adding one. */
  coalesce?: string;
  /** Replace the current history entry. */
  replace?: boolean;
}

const COALESCE_MS = 1000;

export class Store {
  private snapshot: Snapshot;
  private listeners = new Set<() => void>();
  private lastKey: string | null = null;
  private lastAt = 0;
  /** The browser's language: the one a link without `lang` opens in. */
  private readonly preferred: Lang = preferredLang(typeof navigator === 'undefined' ? undefined : navigator.languages);

  constructor() {
    const parsed = parseState(window.location.search, this.preferred);
    this.snapshot = parsed;
    // A link with errors is rewritten to the state actually shown.
    if (parsed.notices.length > 0) this.writeUrl(true);
    window.addEventListener('popstate', () => {
      const next = parseState(window.location.search, this.preferred);
      this.snapshot = next;
      if (next.notices.length > 0) this.writeUrl(true);
      this.emit();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): Snapshot => this.snapshot;

  update(change: (s: AppState) => AppState, options: UpdateOptions = {}): void {
    const state = change(this.snapshot.state);
    if (state === this.snapshot.state) return;
    this.snapshot = { ...this.snapshot, state };
    const now = Date.now();
    const coalesce = options.coalesce !== undefined && options.coalesce === this.lastKey && now - this.lastAt < COALESCE_MS;
    this.lastKey = options.coalesce ?? null;
    this.lastAt = now;
    this.writeUrl(options.replace === true || coalesce);
    this.emit();
  }

  dismissNotices(): void {
    this.snapshot = { ...this.snapshot, notices: [] };
    this.emit();
  }

  private writeUrl(replace: boolean): void {
    const query = serializeState(this.snapshot.state, this.preferred);
    const url = `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`;
    if (url === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
    if (replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

export const StoreContext = createContext<Store | null>(null);

export function useStore(): Store {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside StoreContext');
  return store;
}

/** The current state and notices; re-renders on every change. */
export function useSnapshot(): Snapshot {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
