/**
 * A weights file from a URL, read as a hostile server might send it (the engine worker's road; it runs
 * in Node too). What is refused, and when:
 *   - text that is not an http(s) address or a path (`/`, `./`, `../`): "not a URL", before any fetch;
 *   - an answer other than 2xx ("the server answered 404 Not Found") and an HTML page ("sent an HTML
 *     page (text/html), not a weights file"), before a byte of the body is read;
 *   - a Content-Length over `maxBytes` (what the backend can hold), before the first chunk; a body that
 *     passes `maxBytes` as it arrives, at once;
 *   - a body that ends short of its Content-Length or breaks off ("ended after 582,600 of
 *     10,737,418,240 bytes (connection closed)"), and a stall: no byte for `stallMs`;
 *   - bytes whose SHA-256 is not the expected one (a catalogue entry's hub hash), naming both.
 * A gzip (any Content-Encoding) body is decoded by fetch: its decoded length is never compared with the
 * encoded Content-Length. Cancelling `signal` stops the download at once.
 */
import type { BackendCapacity } from '../memory.ts';
import type { Message } from '../message.ts';
import { clip } from '../weights/common.ts';
import type { LoadProgress } from './protocol.ts';
import { engineError, engineMessage } from './messages.ts';

/** The largest weights file read at all (bytes), whatever the backend: 4 GiB. */
export const MAX_DOWNLOAD_BYTES = 2 ** 32;

/** A download with no byte for this long (ms) is stopped. */
export const STALL_MS = 30_000;

interface DownloadOptions {
  /** The most bytes the file may have (the backend's capacity, at most MAX_DOWNLOAD_BYTES). */
  maxBytes: number;
  /** What holds `maxBytes` ("wasm32 memory ends at 4 GiB"), for the messages. */
  maxWhy: Message;
  /** Stops the download (the user's Cancel). */
  signal?: AbortSignal;
  /** No byte for this long (ms) stops the download; default STALL_MS. */
  stallMs?: number;
  /** The file's SHA-256 (64 hex digits) when it is known: other bytes are refused. */
  sha256?: string | null;
  onProgress?: (p: LoadProgress) => void;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/**
 * The most bytes a download may have, and why: the backend's total memory, at most MAX_DOWNLOAD_BYTES,
 * and for a catalogued checkpoint at most a quarter over its float32 state dict (`expectedBytes`) plus 1 MB.
 */
export function downloadCap(cap: BackendCapacity, expectedBytes?: number): { maxBytes: number; maxWhy: Message } {
  const own = cap.totalBytes !== null && cap.totalBytes < MAX_DOWNLOAD_BYTES
    ? { maxBytes: cap.totalBytes, maxWhy: cap.why }
    : { maxBytes: MAX_DOWNLOAD_BYTES, maxWhy: engineMessage('engine.maxDownload') };
  if (expectedBytes === undefined) return own;
  const catalogued = Math.ceil(expectedBytes * 1.25) + 1_000_000;
  return catalogued < own.maxBytes ? { maxBytes: catalogued, maxWhy: engineMessage('engine.catalogueSize', { bytes: expectedBytes }) } : own;
}

/** Longest URL quoted whole in a message. */
const URL_LIMIT = 300;

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The absolute URL of a weights address as typed: an http(s) URL, or a path on the page's server
 * (`/…`, `./…`, `../…`) resolved against `base`. Anything else ("not a url", a bare file name, a
 * `javascript:` or `file:` address) is refused as not a URL before anything is fetched.
 */
export function weightsUrl(typed: string, base: string): string {
  const t = typed.trim();
  const refuse = () => engineError('engine.notUrl', { text: JSON.stringify(clip(t, 60)) });
  if (t === '' || /[\s\u0000-\u001f\u007f]/.test(t)) throw refuse();
  let url: URL;
  try {
    if (SCHEME.test(t)) url = new URL(t);
    else if (/^(\/|\.\/|\.\.\/)/.test(t)) url = new URL(t, base);
    else throw refuse();
  } catch {
    throw refuse();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') throw refuse();
  // fetch refuses these, and a password must not end up in messages or the cache.
  if (url.username !== '' || url.password !== '') throw engineError('engine.urlCredentials', { url: clip(`${url.protocol}//${url.host}${url.pathname}`, URL_LIMIT) });
  return url.href;
}

/** `%XX` escapes decoded where they are valid UTF-8; a `%` that is not an escape stays as it is. */
function decodeEscapes(s: string): string {
  return s.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    const escapes = run.match(/%[0-9a-f]{2}/gi)!;
    let out = '';
    for (let i = 0; i < escapes.length; ) {
      let n = Math.min(4, escapes.length - i);
      for (; n > 0; n--) {
        try {
          out += decodeURIComponent(escapes.slice(i, i + n).join(''));
          break;
        } catch {
          // Not a whole UTF-8 character: try a shorter one.
        }
      }
      if (n === 0) {
        out += escapes[i];
        n = 1;
      }
      i += n;
    }
    return out;
  });
}

/** The file name a URL shows as: its last path segment, unescaped where it can be. */
export function displayName(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const last = path.split('/').filter((s) => s !== '').pop();
  return last ? decodeEscapes(last) : 'weights';
}

/** SHA-256 of bytes as 64 lowercase hex digits (Web Crypto: browsers and Node). */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Refuses bytes that do not hash to `expected` (when given), naming both hashes. */
async function checkSha256(url: string, bytes: Uint8Array, expected: string | null | undefined): Promise<void> {
  if (!expected) return;
  const got = await sha256Hex(bytes);
  if (got !== expected.toLowerCase()) throw engineError('engine.downloadHash', { url, got, want: expected.toLowerCase() });
}

function contentLength(headers: Headers): number | null {
  const h = headers.get('content-length');
  return h !== null && /^\d+$/.test(h.trim()) ? Number(h.trim()) : null;
}

/**
 * The bytes at `url` (absolute: see `weightsUrl`), refused as the module comment says. Progress goes to
 * `onProgress` (total null when unknown or encoded).
 */
export async function downloadWeights(url: string, opts: DownloadOptions): Promise<Uint8Array> {
  const stallMs = opts.stallMs ?? STALL_MS;
  // A URL is quoted cut in messages: a link may be any length.
  const shown = clip(url, URL_LIMIT);
  const max = Math.min(opts.maxBytes, MAX_DOWNLOAD_BYTES);
  const inner = new AbortController();
  // Why the download was stopped by this side, if it was.
  let stopped: 'cancel' | 'stall' | null = null;
  let loaded = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stopped ??= 'stall';
      inner.abort();
    }, stallMs);
  };
  const onCancel = () => {
    stopped ??= 'cancel';
    inner.abort();
  };
  if (opts.signal?.aborted) throw engineError('engine.cancelled');
  opts.signal?.addEventListener('abort', onCancel, { once: true });
  const why = (): Error => (stopped === 'cancel' ? engineError('engine.cancelled') : engineError('engine.downloadStalled', { url: shown, seconds: stallMs / 1000, loaded }));
  try {
    arm();
    let response: Response;
    try {
      response = await (opts.fetch ?? fetch)(url, { mode: 'cors', credentials: 'omit', signal: inner.signal });
    } catch (e) {
      if (stopped) throw why();
      const cause = (e as Error & { cause?: Error }).cause;
      throw engineError('engine.downloadFailed', { url: shown, why: (e as Error).message + (cause?.message ? ` (${cause.message})` : '') });
    }
    const cancelBody = () => void response.body?.cancel().catch(() => undefined);
    if (!response.ok) {
      cancelBody();
      throw engineError('engine.downloadHttp', { url: shown, status: response.status, statusText: response.statusText ? ` ${clip(response.statusText, 60)}` : '' });
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'text/html' || type === 'application/xhtml+xml') {
      cancelBody();
      throw engineError('engine.downloadHtml', { url: shown, type });
    }
    const encoding = (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
    const declared = contentLength(response.headers);
    if (declared !== null && declared > max) {
      cancelBody();
      throw engineError('engine.downloadTooLarge', { url: shown, bytes: declared, max, why: opts.maxWhy });
    }
    // An encoded body's Content-Length counts encoded bytes: fetch hands over decoded ones. Behind CORS the
    // encoding may be hidden, so a count that passes the declared length means it was encoded.
    let total = encoding === 'identity' ? declared : null;
    const progress = () => opts.onProgress?.({ loaded, total: total !== null && loaded <= total ? total : null });
    progress();
    const chunks: Uint8Array[] = [];
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (e) {
          if (stopped) throw why();
          throw total !== null
            ? engineError('engine.downloadEnded', { url: shown, loaded, total, why: engineMessage('engine.connectionClosed') })
            : engineError('engine.downloadBroke', { url: shown, loaded, why: (e as Error).message || engineMessage('engine.connectionClosed') });
        }
        if (step.done) break;
        arm();
        loaded += step.value.byteLength;
        if (loaded > max) {
          void reader.cancel().catch(() => undefined);
          throw engineError('engine.downloadOverCap', { url: shown, loaded, max, why: opts.maxWhy });
        }
        chunks.push(step.value);
        if (total !== null && loaded > total) total = null;
        progress();
      }
    } else {
      const bytes = new Uint8Array(await response.arrayBuffer());
      loaded = bytes.byteLength;
      if (loaded > max) throw engineError('engine.downloadOverCap', { url: shown, loaded, max, why: opts.maxWhy });
      chunks.push(bytes);
      progress();
    }
    if (stopped) throw why();
    // A short body that ended cleanly. Behind CORS a hidden Content-Encoding can make the decoded count
    // fall short of the encoded length (an incompressible file): there the browser's own length check,
    // which fails the read, is trusted instead.
    const hidden = response.type === 'cors' && !response.headers.has('content-encoding');
    if (total !== null && loaded < total && !hidden) throw engineError('engine.downloadEnded', { url: shown, loaded, total, why: engineMessage('engine.connectionClosed') });
    const out = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    if (loaded === 0) throw engineError('engine.downloadEmpty', { url: shown });
    await checkSha256(shown, out, opts.sha256);
    return out;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCancel);
  }
}
