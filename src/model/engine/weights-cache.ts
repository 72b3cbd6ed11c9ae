/**
 * Downloaded weights kept in Cache Storage, so a second load of a URL does not download again. Only
 * bytes the engine loaded and checked are put here (the worker puts them after `Engine.loadWeights`
 * succeeds); a load of cached bytes that fails evicts them. Each entry records its size, when it was
 * saved and, for a catalogue file, its SHA-256, so the user can see what is kept and clear it.
 */
import { displayName } from './download.ts';

const CACHE_NAME = 'resnext-lab-weights-v1';
const SAVED_AT = 'x-resnext-saved-at';
const SHA256 = 'x-resnext-sha256';

/** One cached file as the user sees it. */
export interface CachedWeights {
  url: string;
  name: string;
  bytes: number;
  /** When it was saved (ISO 8601), or null for an entry of an older version of the app. */
  savedAt: string | null;
  /** Its SHA-256 when it was a catalogue file with a recorded hash, else null. */
  sha256: string | null;
}

/** What of Cache Storage this uses (the browser's `caches`; tests give an in-memory one). */
export type CacheStore = Pick<CacheStorage, 'open' | 'delete'>;

function cacheStore(): CacheStore | null {
  return typeof caches === 'undefined' ? null : caches;
}

/**
 * The weights cache. Every method tolerates a missing or failing Cache Storage (a private window, a
 * full disk): it then holds nothing, and a load only downloads again.
 */
export class WeightsCache {
  private readonly store: () => CacheStore | null;

  constructor(store: () => CacheStore | null = cacheStore) {
    this.store = store;
  }

  private async open(): Promise<Cache | null> {
    try {
      return (await this.store()?.open(CACHE_NAME)) ?? null;
    } catch {
      return null;
    }
  }

  /**
   * The cached bytes of `url`, or null. An entry whose recorded hash is not `sha256` (the catalogue's
   * changed) is evicted and not returned.
   */
  async get(url: string, sha256: string | null = null): Promise<Uint8Array | null> {
    const cache = await this.open();
    try {
      const hit = await cache?.match(url);
      if (!hit) return null;
      if (sha256 && hit.headers.get(SHA256) !== sha256.toLowerCase()) {
        await this.evict(url);
        return null;
      }
      return new Uint8Array(await hit.arrayBuffer());
    } catch {
      return null;
    }
  }

  /** Keeps bytes that loaded and checked. */
  async put(url: string, bytes: Uint8Array, sha256: string | null = null): Promise<void> {
    const cache = await this.open();
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength), [SAVED_AT]: new Date().toISOString() };
    if (sha256) headers[SHA256] = sha256.toLowerCase();
    try {
      await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
    } catch {
      // A full or unavailable cache only costs the next load a download.
    }
  }

  /** Forgets `url` (after a load error, or when the user clears it). */
  async evict(url: string): Promise<void> {
    const cache = await this.open();
    try {
      await cache?.delete(url);
    } catch {
      // Nothing to forget.
    }
  }

  /** Everything cached, newest first. */
  async list(): Promise<CachedWeights[]> {
    const cache = await this.open();
    if (!cache) return [];
    const out: CachedWeights[] = [];
    try {
      for (const request of await cache.keys()) {
        const hit = await cache.match(request);
        if (!hit) continue;
        const length = hit.headers.get('content-length');
        const bytes = length !== null && /^\d+$/.test(length) ? Number(length) : (await hit.arrayBuffer()).byteLength;
        out.push({ url: request.url, name: displayName(request.url), bytes, savedAt: hit.headers.get(SAVED_AT), sha256: hit.headers.get(SHA256) });
      }
    } catch {
      return out;
    }
    return out.sort((a, b) => (b.savedAt ?? '').localeCompare(a.savedAt ?? ''));
  }

  /** Forgets one URL, or everything. */
  async clear(url?: string): Promise<void> {
    if (url !== undefined) return this.evict(url);
    try {
      await this.store()?.delete(CACHE_NAME);
    } catch {
      // Nothing to clear.
    }
  }
}
