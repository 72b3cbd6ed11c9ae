/// <reference lib="webworker" />
/**
 * The engine's side of the worker (the app's entry is `worker.ts`): tfjs and every backend load
 * here, never on the page. Requests run one at a time, in arrival order; each gets exactly one
 * `done` or `error` answer.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { configureWasm } from '../tfjs/backends.ts';
import { decodePng } from '../image/png.ts';
import { imageError, toRgb, type RgbImage } from '../image/rgb.ts';
import { orientImage, withoutOrientation, type OrientationMode, type OrientationNote } from '../image/orientation.ts';
import { checkMemory } from '../memory.ts';
import { loadCatalogue, pretrainedConfig, pretrainedMemory } from '../pretrained.ts';
import { hubWeightsMeta } from '../hub.ts';
import { Engine, type EngineOptions, type WeightsBytes } from './engine.ts';
import type { ExplainOverview, LoadedWeights, Prediction, Request, RequestMessage, ResponseMessage, WeightsSource } from './protocol.ts';
import { transferables } from '../feature-maps.ts';
import { wasmThreadCount } from './threads.ts';
import { engineError } from './messages.ts';
import { errorMessage } from '../message.ts';

declare const self: DedicatedWorkerGlobalScope;

const CACHE_NAME = 'resnext-lab-weights-v1';

function post(msg: ResponseMessage, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

async function readWithProgress(response: Response, id: number): Promise<Uint8Array> {
  const header = response.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    post({ id, kind: 'progress', progress: { loaded: bytes.byteLength, total: bytes.byteLength } });
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  post({ id, kind: 'progress', progress: { loaded: 0, total } });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    post({ id, kind: 'progress', progress: { loaded, total } });
  }
  if (total !== null && loaded !== total) throw engineError('engine.downloadIncomplete', { loaded, total });
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(CACHE_NAME);
  } catch {
    return null;
  }
}

/** Bytes of a weights source; URLs come from Cache Storage when they were loaded before. */
async function fetchWeights(src: WeightsSource, id: number): Promise<WeightsBytes> {
  if ('file' in src) {
    const bytes = new Uint8Array(await src.file.arrayBuffer());
    post({ id, kind: 'progress', progress: { loaded: bytes.byteLength, total: bytes.byteLength } });
    return { bytes, name: src.name, source: src.name, cached: false };
  }
  const url = new URL(src.url, self.location.href).href;
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'weights');
  const cache = await openCache();
  const hit = await cache?.match(url);
  if (hit) return { bytes: await readWithProgress(hit, id), name, source: url, cached: true };
  let response: Response;
  try {
    response = await fetch(url, { mode: 'cors', credentials: 'omit' });
  } catch (e) {
    throw engineError('engine.downloadFailed', { url, why: (e as Error).message });
  }
  if (!response.ok) throw engineError('engine.downloadHttp', { url, status: response.status, statusText: response.statusText });
  const bytes = await readWithProgress(response, id);
  try {
    await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) } }));
  } catch {
    // A full or unavailable cache only costs the next load a download.
  }
  return { bytes, name, source: url, cached: false };
}

/**
 * An image as Pillow's `Image.open(f).convert("RGB")` reads it, and turned upright as its EXIF
 * orientation says only where `mode` is 'apply' (as `ImageOps.exif_transpose` turns it), the same road
 * as the CLI's. A PNG is decoded here as Pillow decodes it (every bit depth and colour type, so 16-bit
 * and palette files give Pillow's pixels); other formats by the browser, whose canvas is 8-bit RGBA,
 * from a copy whose orientation entries say 1: Chromium turns a JPEG by its tag even with
 * `imageOrientation: 'none'`. A decoded size other than the header's (a turn this app did not find,
 * a size it did not read) is refused rather than used.
 */
async function decodeImage(engine: Engine, blob: Blob, mode: OrientationMode = 'ignore'): Promise<{ image: RgbImage; orientation: OrientationNote | null }> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const info = engine.inspectImage(bytes);
  const { kind, width, height } = info;
  let rgb: RgbImage;
  if (kind === 'png') {
    rgb = decodePng(bytes);
  } else {
    let bitmap: ImageBitmap;
    try {
      const plain = withoutOrientation(bytes, info.orientationFields);
      bitmap = await createImageBitmap(new Blob([plain as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none', imageOrientation: 'none' });
    } catch {
      throw imageError('image.undecodable', { width, height });
    }
    try {
      const sameSize = bitmap.width === width && bitmap.height === height;
      // JPEG and WebP decode to exactly the header's size; GIF and BMP to at most it (the largest frame or screen).
      const fits = kind === 'jpeg' || kind === 'webp' ? sameSize : bitmap.width <= width && bitmap.height <= height;
      if (!fits) throw imageError('image.decodedSize', { width: bitmap.width, height: bitmap.height, kind: kind.toUpperCase(), headerWidth: width, headerHeight: height });
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) throw engineError('engine.noCanvas');
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      rgb = toRgb({ width: data.width, height: data.height, data: data.data });
    } finally {
      bitmap.close();
    }
  }
  return orientImage(rgb, info.orientation, mode);
}

export interface Handled {
  result: unknown;
  transfer?: Transferable[];
}

/**
 * Requests beyond the app's protocol (the e2e harness and the benchmarks add theirs): a handler
 * answers a request it knows, and returns null for any other.
 */
type ExtraHandler = (engine: Engine, req: { type: string }) => Promise<Handled> | null;

async function handle(engine: Engine, id: number, req: Request, signal: AbortSignal, extra?: ExtraHandler): Promise<Handled> {
  switch (req.type) {
    case 'backends':
      return { result: await engine.backends() };
    case 'setBackend':
      return { result: await engine.setBackend(req.name) };
    case 'loadWeights': {
      // The catalogue entry is found once; a catalogued checkpoint is sized before it is downloaded
      // (pretrainedConfig throws when this build lacks its architecture).
      // A timm hub URL outside the catalogue's own URLs: its tag's entry, or its repository's config.json.
      const hub = !req.pretrained && !req.preprocess && 'url' in req.src
        ? await hubWeightsMeta(new URL(req.src.url, self.location.href).href, await loadCatalogue())
        : {};
      const entry = req.pretrained ? (await loadCatalogue()).require(req.pretrained) : hub.entry;
      if (entry) {
        pretrainedConfig(entry);
        await engine.ensureBackend();
        checkMemory(pretrainedMemory(entry)!, engine.capacity());
      }
      const file = await fetchWeights(req.src, id);
      const loaded: LoadedWeights = await engine.loadWeights(file, { config: req.config, pretrained: entry, preprocess: req.preprocess ?? hub.preprocess });
      return { result: hub.source ? { ...loaded, preprocessSource: hub.source } : loaded };
    }
    case 'classify': {
      if (!engine.network) throw engineError('engine.noWeights');
      if (!Number.isInteger(req.topk) || req.topk < 1) throw new Error(`topk must be a positive integer, got ${req.topk}`);
      const { image, orientation } = await decodeImage(engine, req.image, req.orientation);
      const r = await engine.classify(image, req.topk, req.preprocess);
      const crop = new ImageData(new Uint8ClampedArray(r.crop.data), r.crop.width, r.crop.height);
      const prediction: Prediction = { top: r.top, ms: r.ms, backend: r.backend, crop, preprocess: r.preprocess, orientation };
      return { result: prediction };
    }
    case 'capacity':
      await engine.ensureBackend();
      return { result: engine.capacity() };
    case 'benchmark':
      return { result: await engine.benchmark(req.runs) };
    case 'checkForms':
      return { result: await engine.checkForms(req.config, req.stage, req.seed, req.block, signal) };
    case 'info':
      await engine.ensureBackend();
      return { result: await engine.info() };
    case 'unloadWeights':
      engine.unloadWeights();
      return { result: undefined };
    case 'measureSpeed':
      return { result: await engine.measureSpeed() };
    case 'timeOps':
      return { result: await engine.timeOps(req.config, req.batch, req.runs) };
    case 'loadRandomWeights':
      return { result: await engine.loadRandomWeights(req.config, req.seed) };
    case 'explainImage': {
      if (!engine.network) throw engineError('engine.noWeightsExplain');
      const { image, orientation } = await decodeImage(engine, req.image, req.orientation);
      const r = await engine.explainImage(image, req.topk);
      const crop = r.crop ? new ImageData(new Uint8ClampedArray(r.crop.data), r.crop.width, r.crop.height) : null;
      const overview: ExplainOverview = { ...r, crop, orientation };
      return { result: overview, transfer: r.cam ? [r.cam.maps.buffer as ArrayBuffer] : [] };
    }
    case 'explainInput': {
      const r = await engine.explainInput(req.input, req.shape, req.topk);
      return { result: r, transfer: r.cam ? [r.cam.maps.buffer as ArrayBuffer] : [] };
    }
    case 'explainLayer': {
      const maps = await engine.explainLayer(req.layer, req.encoding, req.sample);
      return { result: maps, transfer: transferables(maps) };
    }
    case 'explainMap': {
      const m = await engine.explainMap(req.layer, req.channel, req.sample);
      return { result: m, transfer: [m.values.buffer as ArrayBuffer] };
    }
    case 'explainValues': {
      const v = await engine.explainValues(req.layers);
      return { result: v, transfer: v.map((x) => x.data.buffer as ArrayBuffer) };
    }
    case 'cancel':
      // Read as it arrives (serveEngine), never queued.
      return { result: undefined };
    case 'explainCam': {
      const c = await engine.explainCam(req.classes);
      return { result: c, transfer: [c.maps.buffer as ArrayBuffer, c.logits.buffer as ArrayBuffer] };
    }
    default: {
      const other = extra?.(engine, req);
      if (other) return other;
      throw new Error(`unknown request ${JSON.stringify((req as { type: unknown }).type)}`);
    }
  }
}

/**
 * Starts the engine in this worker: wasm set up with every core (under cross-origin isolation),
 * requests answered one at a time in arrival order, each with exactly one `done` or `error`.
 * `options` go to the engine (the app's worker passes none).
 */
export function serveEngine(extra?: ExtraHandler, options: EngineOptions = {}): Engine {
  configureWasm({
    paths: { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded },
    threads: wasmThreadCount(),
  });
  const engine = new Engine(options);
  let queue: Promise<void> = Promise.resolve();
  // One controller per request not yet answered: a cancel aborts it, whether it waits or runs.
  const controllers = new Map<number, AbortController>();
  self.onmessage = (event: MessageEvent<RequestMessage>) => {
    const { id, ...req } = event.data;
    if (req.type === 'cancel') {
      controllers.get(req.target)?.abort(engineError('engine.cancelled'));
      return;
    }
    const controller = new AbortController();
    controllers.set(id, controller);
    queue = queue.then(async () => {
      try {
        controller.signal.throwIfAborted();
        const { result, transfer } = await handle(engine, id, req as Request, controller.signal, extra);
        post({ id, kind: 'done', result }, transfer);
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        const msg = errorMessage(err);
        post({ id, kind: 'error', message: err.message, name: err.name, ...(msg ? { msg } : {}) });
      } finally {
        controllers.delete(id);
      }
    });
  };
  return engine;
}
