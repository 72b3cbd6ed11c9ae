/**
 * A local HTTP server that serves weights as a hostile or broken server would (node:http on 127.0.0.1,
 * a free port; nothing reaches the network). Every answer allows any origin (CORS), as the Hugging Face
 * hub does, so the app's worker can fetch from it. Paths:
 *   /good/<file>        a fixtures/weights file as is
 *   /gzip/<file>        the same gzip-encoded (Content-Encoding: gzip, Content-Length of the encoded bytes)
 *   /missing/<file>     404 with an HTML page
 *   /html/<file>        200 with an HTML page (text/html)
 *   /truncated/<file>   Content-Length 1,000,000, then 582,600 bytes of the file and the connection closed
 *   /stall/<file>       the headers and 1,000 bytes, then nothing (the connection stays open)
 *   /huge/<file>        Content-Length 10,737,418,240 (10 GiB), then zeros as long as the client reads
 *   /endless/<file>     no Content-Length, zeros as long as the client reads
 *   /empty/<file>       200 with no body
 *   /gzip-noise/<file>  1,000,000 bytes of noise gzip-encoded: the encoded length is over the decoded one
 * `bodyBytes` counts the body bytes written per path, to show how soon a refused download stopped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export interface HostileServer {
  origin: string;
  /** Body bytes written per request path. */
  bodyBytes: Map<string, number>;
  /** Requests per path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

// No keep-alive: a connection this server cut must never be reused by the next request.
const CORS = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin', connection: 'close' };
const HTML = '<!doctype html><html><head><title>Not here</title></head><body><h1>Sorry</h1><p>This page is not a weights file.</p></body></html>';

function fixture(name: string): Buffer | null {
  if (!/^[\w.-]+$/.test(name)) return null;
  try {
    return readFileSync(`fixtures/weights/${name}`);
  } catch {
    return null;
  }
}

/** Bytes that do not compress (a fixed xorshift sequence). */
export function noise(n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes zeros in 64 kB chunks while the client reads, until it goes away. */
function zeros(res: ServerResponse, count: (n: number) => void): void {
  const chunk = Buffer.alloc(65_536);
  const pump = () => {
    while (!res.destroyed) {
      count(chunk.byteLength);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

export async function startHostileServer(): Promise<HostileServer> {
  const bodyBytes = new Map<string, number>();
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const count = (n: number) => bodyBytes.set(path, (bodyBytes.get(path) ?? 0) + n);
    const [, kind, name] = path.split('/');
    const file = fixture(name ?? '');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-allow-methods': 'GET', 'access-control-allow-headers': '*' });
      res.end();
      return;
    }
    if (!file || kind === 'missing') {
      res.writeHead(404, 'Not Found', { ...CORS, 'content-type': 'text/html; charset=utf-8' });
      res.end(HTML);
      return;
    }
    const binary = { ...CORS, 'content-type': 'application/octet-stream' };
    switch (kind) {
      case 'good':
        res.writeHead(200, { ...binary, 'content-length': String(file.byteLength) });
        count(file.byteLength);
        res.end(file);
        return;
      case 'gzip': {
        const gz = gzipSync(file);
        res.writeHead(200, { ...binary, 'content-encoding': 'gzip', 'content-length': String(gz.byteLength) });
        count(gz.byteLength);
        res.end(gz);
        return;
      }
      case 'html':
        res.writeHead(200, { ...CORS, 'content-type': 'text/html; charset=utf-8' });
        res.end(HTML);
        return;
      case 'truncated': {
        const body = Buffer.alloc(582_600);
        file.copy(body);
        res.writeHead(200, { ...binary, 'content-length': '1000000' });
        count(body.byteLength);
        res.write(body, () => setTimeout(() => res.socket?.destroy(), 50));
        return;
      }
      case 'stall':
        res.writeHead(200, { ...binary, 'content-length': String(file.byteLength) });
        count(1000);
        res.write(file.subarray(0, 1000));
        return;
      case 'huge':
        res.writeHead(200, { ...binary, 'content-length': String(10 * 2 ** 30) });
        zeros(res, count);
        return;
      case 'gzip-noise': {
        const gz = gzipSync(noise(1_000_000));
        res.writeHead(200, { ...binary, 'content-encoding': 'gzip', 'content-length': String(gz.byteLength) });
        count(gz.byteLength);
        res.end(gz);
        return;
      }
      case 'empty':
        res.writeHead(200, { ...binary, 'content-length': '0' });
        res.end();
        return;
      case 'endless':
        res.writeHead(200, binary);
        zeros(res, count);
        return;
      default:
        res.writeHead(404, 'Not Found', { ...CORS, 'content-type': 'text/html; charset=utf-8' });
        res.end(HTML);
    }
  };
  const server: Server = createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the hostile server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    bodyBytes,
    hits,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
