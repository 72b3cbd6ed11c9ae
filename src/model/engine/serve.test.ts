/**
 * The engine worker's weights road (serve.ts), driven in Node as the app's worker is driven: requests in
 * through `self.onmessage`, answers out through `self.postMessage`, weights from a local hostile server
 * (test/support/hostile-server.ts), Cache Storage in memory. A download never holds the engine's queue,
 * can be cancelled, and only weights the engine loaded and checked are cached. (The stall timeout's
 * message is download.test.ts's: here it is set long, so that a busy machine never reaches it.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHostileServer, type HostileServer } from '../../../test/support/hostile-server.ts';
import { readFixtureManifest } from '../../../test/support/fixture-io.ts';
import * as pretrained from '../pretrained.ts';
import type { CachedWeights, RequestMessage, ResponseMessage } from './protocol.ts';
import { WeightsCache, type CacheStore } from './weights-cache.ts';

vi.mock('../pretrained.ts', async (original) => {
  const m = await original<typeof import('../pretrained.ts')>();
  return { ...m, loadCatalogue: vi.fn(m.loadCatalogue) };
});

/** Cache Storage in memory: what WeightsCache uses of it. */
class MemoryCache {
  entries = new Map<string, { body: Uint8Array; headers: [string, string][] }>();
  private key(r: RequestInfo | URL): string {
    return typeof r === 'string' ? r : r instanceof URL ? r.href : r.url;
  }
  async match(r: RequestInfo | URL): Promise<Response | undefined> {
    const e = this.entries.get(this.key(r));
    return e ? new Response(e.body.slice() as Uint8Array<ArrayBuffer>, { headers: e.headers }) : undefined;
  }
  async put(r: RequestInfo | URL, res: Response): Promise<void> {
    this.entries.set(this.key(r), { body: new Uint8Array(await res.arrayBuffer()), headers: [...res.headers] });
  }
  async delete(r: RequestInfo | URL): Promise<boolean> {
    return this.entries.delete(this.key(r));
  }
  async keys(): Promise<Request[]> {
    return [...this.entries.keys()].map((u) => new Request(u));
  }
}

const memory = new MemoryCache();
const store: CacheStore = { open: async () => memory as unknown as Cache, delete: async () => (memory.entries.clear(), true) };

let server: HostileServer;
const answers = new Map<number, ResponseMessage>();
const progress = new Map<number, number>();
const waiters = new Set<() => void>();
const fakeSelf = {
  onmessage: null as ((e: { data: RequestMessage }) => void) | null,
  location: { href: 'http://app.test/run/' },
  postMessage(msg: ResponseMessage) {
    if (msg.kind === 'progress') progress.set(msg.id, msg.progress.loaded);
    else answers.set(msg.id, msg);
    for (const w of waiters) w();
  },
};
let nextId = 1;

function send(req: Record<string, unknown> & { type: string }): number {
  const id = nextId++;
  fakeSelf.onmessage!({ data: { id, ...req } as RequestMessage });
  return id;
}

/** The answer to request `id`, or a rejection after `ms`. */
function answer(id: number, ms = 30_000): Promise<ResponseMessage> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const a = answers.get(id);
      if (!a) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(a);
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no answer to request ${id} in ${ms} ms`));
    }, ms);
    waiters.add(check);
    check();
  });
}

async function ok<T>(id: number, ms?: number): Promise<T> {
  const a = await answer(id, ms);
  if (a.kind !== 'done') throw new Error(`request ${id} failed: ${a.kind === 'error' ? a.message : a.kind}`);
  return a.result as T;
}

async function failed(id: number, ms?: number): Promise<string> {
  const a = await answer(id, ms);
  if (a.kind !== 'error') throw new Error(`request ${id} did not fail`);
  return a.message;
}

const url = (kind: string, name: string) => `${server.origin}/${kind}/${name}`;
const cached = () => ok<CachedWeights[]>(send({ type: 'cachedWeights' }));

/** The worker's classify answers with an ImageData crop: Node has none. */
class NodeImageData {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  constructor(data: Uint8ClampedArray, width: number, height: number) {
    this.data = data;
    this.width = width;
    this.height = height;
  }
}

beforeAll(async () => {
  server = await startHostileServer();
  vi.stubGlobal('self', fakeSelf);
  vi.stubGlobal('ImageData', NodeImageData);
  const { serveEngine } = await import('./serve.ts');
  serveEngine(undefined, { order: ['cpu'] }, { stallMs: 120_000, cache: new WeightsCache(() => store) });
  await ok(send({ type: 'setBackend', name: 'cpu' }));
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await server.close();
});

describe('the worker refuses a weights address before fetching it', () => {
  it('"not a url" is not a URL, and nothing is requested', async () => {
    const before = [...server.hits.values()].reduce((s, n) => s + n, 0);
    expect(await failed(send({ type: 'loadWeights', src: { url: 'not a url' } }))).toMatch(/^"not a url" is not a URL: /);
    expect([...server.hits.values()].reduce((s, n) => s + n, 0)).toBe(before);
  });

  it('a 404 HTML page and an HTML page say so, not a parse error', async () => {
    expect(await failed(send({ type: 'loadWeights', src: { url: url('missing', 'tiny_resnet.safetensors') } }))).toMatch(/the server answered 404 Not Found$/);
    expect(await failed(send({ type: 'loadWeights', src: { url: url('html', 'tiny_resnet.safetensors') } }))).toMatch(/the server sent an HTML page \(text\/html\), not a weights file$/);
  });
});

describe('Cache Storage keeps only weights the engine loaded and checked', () => {
  it('a download that fails the check, a cut one and a corrupted entry are never kept; a good one is, once', async () => {
    await ok(send({ type: 'clearCachedWeights' }));
    // Downloads whole, but is not the configured network.
    const other = readFixtureManifest('fixtures/weights', 'tiny_resnext').config;
    expect(await failed(send({ type: 'loadWeights', src: { url: url('good', 'tiny_resnet.safetensors') }, config: other }))).toMatch(/missing|unexpected|mismatch/);
    expect(await failed(send({ type: 'loadWeights', src: { url: url('truncated', 'tiny_resnet.safetensors') } }))).toMatch(/ended after 582,600 of 1,000,000 bytes \(connection closed\)$/);
    expect(await cached()).toEqual([]);

    const good = url('good', 'tiny_resnext.safetensors');
    const first = await ok<{ cached: boolean; source: string }>(send({ type: 'loadWeights', src: { url: good } }));
    expect(first).toMatchObject({ cached: false, source: good });
    const list = await cached();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ url: good, name: 'tiny_resnext.safetensors', bytes: readFileSync('fixtures/weights/tiny_resnext.safetensors').byteLength, sha256: null });
    expect(Date.now() - Date.parse(list[0].savedAt!)).toBeLessThan(60_000);
    const second = await ok<{ cached: boolean }>(send({ type: 'loadWeights', src: { url: good } }));
    expect(second.cached).toBe(true);
    expect(server.hits.get('/good/tiny_resnext.safetensors')).toBe(1);

    // A cached entry that no longer loads is evicted by the failed load.
    await store.open('x').then((c) => c.put(good, new Response(new TextEncoder().encode('garbage, not a weights file'))));
    expect(await failed(send({ type: 'loadWeights', src: { url: good } }))).toMatch(/^tiny_resnext\.safetensors: safetensors/);
    expect(await cached()).toEqual([]);
    // ... and the next load downloads again.
    expect((await ok<{ cached: boolean }>(send({ type: 'loadWeights', src: { url: good } }))).cached).toBe(false);
    expect(server.hits.get('/good/tiny_resnext.safetensors')).toBe(2);
  });

  it('one entry or all can be cleared', async () => {
    await ok(send({ type: 'clearCachedWeights' }));
    await ok(send({ type: 'loadWeights', src: { url: url('good', 'tiny_resnext.safetensors') } }));
    await ok(send({ type: 'loadWeights', src: { url: url('good', 'tiny_resnet.safetensors') } }));
    await ok(send({ type: 'loadWeights', src: { url: url('gzip', 'tiny_resnext.safetensors') } }));
    expect((await cached()).map((c) => c.url).sort()).toEqual([url('good', 'tiny_resnet.safetensors'), url('good', 'tiny_resnext.safetensors'), url('gzip', 'tiny_resnext.safetensors')].sort());
    await ok(send({ type: 'clearCachedWeights', url: url('good', 'tiny_resnet.safetensors') }));
    expect(await cached()).toHaveLength(2);
    await ok(send({ type: 'clearCachedWeights' }));
    expect(await cached()).toEqual([]);
  });

  it("a catalogue download whose SHA-256 is not the catalogue's is refused, naming both hashes, and not cached", async () => {
    const real = await pretrained.loadCatalogue();
    const entry = real.checkpointsOf('resnet50')[0];
    const want = 'ab'.repeat(32);
    await ok(send({ type: 'clearCachedWeights' }));
    // The catalogue as loaded, but this entry with a recorded hash.
    const withHash = Object.create(real) as pretrained.Catalogue;
    withHash.require = () => ({ ...entry, hub: { ...entry.hub, sha256: want } });
    vi.mocked(pretrained.loadCatalogue).mockResolvedValueOnce(withHash);
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', (u: string, init: RequestInit) => realFetch(u === entry.url ? url('good', 'tiny_resnet.safetensors') : u, init));
    try {
      const message = await failed(send({ type: 'loadWeights', src: { url: entry.url }, pretrained: entry.tag }));
      expect(message).toBe(`refused ${entry.url}: its SHA-256 is 44177e00d2c2d4d4dead0b6e9dba0888858063a96c1702f5aef731ab6e48ed9d, not the catalogue's ${want} (the file upstream changed or is corrupted); it was not cached`);
    } finally {
      vi.stubGlobal('fetch', realFetch);
    }
    expect(await cached()).toEqual([]);
  });
});

describe('a download never holds the engine queue', () => {
  it('while a download stalls, classify, the benchmark, info and the cache list answer; Cancel ends it at once', async () => {
    await ok(send({ type: 'clearCachedWeights' }));
    await ok(send({ type: 'loadWeights', src: { url: url('good', 'tiny_resnext.safetensors') } }));
    const stalled = send({ type: 'loadWeights', src: { url: url('stall', 'tiny_resnet.safetensors') } });
    await vi.waitFor(() => expect(progress.get(stalled)).toBe(1000), { timeout: 10_000 });
    const image = new Blob([readFileSync('fixtures/images/test.png')], { type: 'image/png' });
    const prediction = await ok<{ top: unknown[] }>(send({ type: 'classify', image, topk: 3 }), 20_000);
    expect(prediction.top).toHaveLength(3);
    expect((await ok<{ runs: number }>(send({ type: 'benchmark', runs: 1 }), 20_000)).runs).toBe(1);
    expect((await ok<{ weights: { source: string } }>(send({ type: 'info' }))).weights.source).toBe(url('good', 'tiny_resnext.safetensors'));
    expect(await cached()).toHaveLength(1);
    expect(answers.has(stalled)).toBe(false);
    const t0 = Date.now();
    send({ type: 'cancel', target: stalled });
    expect(await failed(stalled, 5_000)).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect((await cached()).map((c) => c.url)).toEqual([url('good', 'tiny_resnext.safetensors')]);
  });
});
