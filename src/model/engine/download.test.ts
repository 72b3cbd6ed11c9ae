/**
 * Weights downloads against a local hostile server (test/support/hostile-server.ts): every refusal says
 * what happened and names the URL, before parsing; a stall and a cancel end at once; gzip is decoded and
 * its encoded length never compared with the decoded one; a hash mismatch names both hashes.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { noise, startHostileServer, type HostileServer } from '../../../test/support/hostile-server.ts';
import { messageFromError, type Message } from '../message.ts';
import { displayName, downloadCap, downloadWeights, MAX_DOWNLOAD_BYTES, weightsUrl } from './download.ts';
import { backendCapacity } from '../memory.ts';
import type { LoadProgress } from './protocol.ts';

const FILE = 'tiny_resnet.safetensors';
const bytes = new Uint8Array(readFileSync(`fixtures/weights/${FILE}`));
const why: Message = { id: 'test.cap', params: {}, text: 'the test cap' };
let server: HostileServer;

beforeAll(async () => {
  server = await startHostileServer();
});
afterAll(() => server.close());

const url = (kind: string, name = FILE) => `${server.origin}/${kind}/${name}`;
const get = (u: string, opts: Partial<Parameters<typeof downloadWeights>[1]> = {}) => downloadWeights(u, { maxBytes: MAX_DOWNLOAD_BYTES, maxWhy: why, ...opts });
/** Byte-equal (vitest's deep equality takes seconds over a megabyte). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
/** The error a promise rejects with (null when it resolves). */
const failure = (p: Promise<unknown>): Promise<Error | null> => p.then(() => null, (e: Error) => e);

describe('weightsUrl: "not a URL" before any fetch', () => {
  it.each(['not a url', 'model.safetensors', 'javascript:alert(1)', 'file:///etc/passwd', 'data:,abc', 'https://', '   ', 'http://exa mple.com/a'])('%j is not a URL', (typed) => {
    expect(() => weightsUrl(typed, 'https://app.test/run/')).toThrow(/is not a URL/);
  });
  it('http(s) URLs and paths on the site are URLs', () => {
    expect(weightsUrl(' https://h.test/a/b.safetensors ', 'https://app.test/')).toBe('https://h.test/a/b.safetensors');
    expect(weightsUrl('/w/x.pth', 'https://app.test/run/')).toBe('https://app.test/w/x.pth');
    expect(weightsUrl('../w/x.pth', 'https://app.test/run/a')).toBe('https://app.test/w/x.pth');
  });
  it('a URL with a user name or password is refused, the password not repeated', () => {
    expect(() => weightsUrl('https://me:secret@h.test/w.pth', 'https://app.test/')).toThrow(/^the URL of https:\/\/h\.test\/w\.pth carries a user name or password/);
    expect(() => weightsUrl('https://me:secret@h.test/w.pth', 'https://app.test/')).not.toThrow(/secret/);
  });
  it('a long non-URL is quoted cut, not whole', () => {
    const e = failure(Promise.resolve().then(() => weightsUrl('x '.repeat(50_000), 'https://app.test/')));
    return e.then((err) => expect(err!.message.length).toBeLessThan(400));
  });
});

describe('displayName', () => {
  it('a % that is not an escape does not break the name', () => {
    expect(displayName('https://h.test/w/100%25%20sure%zz.safetensors')).toBe('100% sure%zz.safetensors');
    expect(displayName('https://h.test/w/a%E4%B8%AD%ff.pth')).toBe('a中%ff.pth');
    expect(displayName('https://h.test/')).toBe('weights');
  });
});

describe('downloadWeights from a hostile server', () => {
  it('a good file: every byte, progress to its length', async () => {
    const progress: LoadProgress[] = [];
    const got = await get(url('good'), { onProgress: (p) => progress.push(p) });
    expect(same(got, bytes)).toBe(true);
    expect(progress.at(-1)).toEqual({ loaded: bytes.byteLength, total: bytes.byteLength });
  });

  it('a 404 HTML page: "the server answered 404", not a parse error', async () => {
    const e = await failure(get(url('missing')));
    expect(e?.message).toBe(`could not download ${url('missing')}: the server answered 404 Not Found`);
  });

  it('an HTML page with 200: "sent an HTML page (text/html), not a weights file"', async () => {
    const e = await failure(get(url('html')));
    expect(e?.message).toBe(`could not use ${url('html')}: the server sent an HTML page (text/html), not a weights file`);
  });

  it('a body cut short of its Content-Length: how many bytes of how many, and why', async () => {
    const e = await failure(get(url('truncated')));
    expect(e?.message).toBe(`the download of ${url('truncated')} ended after 582,600 of 1,000,000 bytes (connection closed)`);
    expect((messageFromError(e) as Message).id).toBe('engine.downloadEnded');
  });

  it('a stall: stopped after the stall time with the bytes received', async () => {
    const start = Date.now();
    const e = await failure(get(url('stall'), { stallMs: 300 }));
    expect(e?.message).toBe(`the download of ${url('stall')} stalled: no data for 0.3 s after 1,000 bytes`);
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('a cancel stops a stalled download at once', async () => {
    const controller = new AbortController();
    const progress: LoadProgress[] = [];
    const p = failure(get(url('stall'), { signal: controller.signal, stallMs: 60_000, onProgress: (x) => { progress.push(x); if (x.loaded > 0) controller.abort(); } }));
    const e = await p;
    expect(e?.message).toBe('cancelled');
    expect(progress.at(-1)?.loaded).toBe(1000);
  });

  it('a Content-Length over the cap is refused before the first chunk', async () => {
    const progress: LoadProgress[] = [];
    const e = await failure(get(url('huge'), { onProgress: (p) => progress.push(p) }));
    expect(e?.message).toBe(`refused ${url('huge')} before downloading: the server declares 10,737,418,240 bytes, over the limit of 4,294,967,296 bytes (the test cap)`);
    expect(progress).toEqual([]);
  });

  it('a body without Content-Length stops as soon as it passes the cap', async () => {
    const e = await failure(get(url('endless'), { maxBytes: 1_000_000 }));
    expect(e?.message).toMatch(new RegExp(`^stopped the download of ${url('endless')} at 1,[0-9]{3},[0-9]{3} bytes: over the limit of 1,000,000 bytes \\(the test cap\\)$`));
    const got = Number(/at ([\d,]+) bytes/.exec(e!.message)![1].replaceAll(',', ''));
    expect(got).toBeLessThanOrEqual(1_000_000 + 65_536);
  });

  it('gzip: decoded, and the decoded length is not compared with the encoded Content-Length', async () => {
    const progress: LoadProgress[] = [];
    const got = await get(url('gzip'), { onProgress: (p) => progress.push(p) });
    expect(same(got, bytes)).toBe(true);
    // The encoded length is not a total of the decoded bytes.
    expect(progress.every((p) => p.total === null)).toBe(true);
  });

  it('gzip of a file that does not compress: the decoded bytes fall short of the encoded length, and that is no error', async () => {
    const got = await get(url('gzip-noise'));
    expect(same(got, noise(1_000_000))).toBe(true);
  });

  it('a hash mismatch names both hashes; the right hash passes', async () => {
    const right = createHash('sha256').update(bytes).digest('hex');
    const wrong = 'ab'.repeat(32);
    const e = await failure(get(url('good'), { sha256: wrong }));
    expect(e?.message).toBe(`refused ${url('good')}: its SHA-256 is ${right}, not the catalogue's ${wrong} (the file upstream changed or is corrupted); it was not cached`);
    expect(same(await get(url('good'), { sha256: right.toUpperCase() }), bytes)).toBe(true);
  });

  it('an empty body says so', async () => {
    expect((await failure(get(url('empty'))))?.message).toBe(`the server sent no bytes for ${url('empty')}`);
  });

  it('a URL of any length is quoted cut in the message', async () => {
    const long = `${server.origin}/missing/${'a'.repeat(10_000)}.safetensors`;
    const e = await failure(get(long));
    expect(e?.message).toMatch(/^could not download http:\/\/127\.0\.0\.1:\d+\/missing\/a+\.\.\. \(\d+ characters\): the server answered 404 Not Found$/);
    expect(e!.message.length).toBeLessThan(500);
  });

  it('an unreachable server: "could not download" with the URL', async () => {
    const fetchFails = vi.fn(() => Promise.reject(new TypeError('fetch failed')));
    const e = await failure(get('https://h.test/x.pth', { fetch: fetchFails }));
    expect(e?.message).toMatch(/^could not download https:\/\/h\.test\/x\.pth: fetch failed/);
  });
});

describe('downloadCap', () => {
  it("wasm's 4 GiB heap, else the app's 4 GiB", () => {
    expect(downloadCap(backendCapacity('wasm')).maxBytes).toBe(4_294_901_760);
    expect(downloadCap(backendCapacity('cpu'))).toMatchObject({ maxBytes: MAX_DOWNLOAD_BYTES, maxWhy: { id: 'engine.maxDownload' } });
  });
  it('a catalogued checkpoint: at most a quarter over its float32 state dict, plus 1 MB', () => {
    expect(downloadCap(backendCapacity('cpu'), 100_000_000)).toMatchObject({ maxBytes: 126_000_000, maxWhy: { id: 'engine.catalogueSize' } });
    expect(downloadCap(backendCapacity('wasm'), 4e9).maxBytes).toBe(4_294_901_760);
  });
});
