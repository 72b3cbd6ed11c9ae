/// <reference lib="webworker" />
/**
 * The engine's side of the worker (the app's entry is `worker.ts`): tfjs and every backend load
 * here, never on the page. The engine's work runs one request at a time, in arrival order (a weights
 * download does not hold that queue); each request gets exactly one `done` or `error` answer.
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
import type { ExplainOverview, LoadedWeights, LoadProgress, Prediction, Request, RequestMessage, ResponseMessage } from './protocol.ts';
import { displayName, downloadCap, downloadWeights, STALL_MS, weightsUrl } from './download.ts';
import { WeightsCache } from './weights-cache.ts';
import { transferables } from '../feature-maps.ts';
import { wasmThreadCount } from './threads.ts';
import { engineError } from './messages.ts';
import { errorMessage } from '../message.ts';

declare const self: DedicatedWorkerGlobalScope;

function post(msg: ResponseMessage, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

/** How the worker downloads weights (tests shorten the stall timeout and give their own cache). */
interface DownloadSettings {
  /** No byte for this long (ms) stops a download (default download.ts's STALL_MS). */
  stallMs?: number;
  cache?: WeightsCache;
}

/** Runs engine work one piece at a time, in the order it is asked. */
type InQueue = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Loads weights from a file or a URL. Only the engine's parts wait in the queue (sizing a catalogued
 * checkpoint and the backend's capacity before, building the network after): the download itself runs
 * beside it, so classify, explain, the forms check and the benchmark keep working on the loaded
 * network meanwhile. A URL's bytes come from the cache when they were loaded before; fresh bytes are
 * cached only once the engine loaded and checked them, and any load error evicts the URL.
 */
async function loadWeights(engine: Engine, id: number, req: Extract<Request, { type: 'loadWeights' }>, signal: AbortSignal, inQueue: InQueue, settings: DownloadSettings, cache: WeightsCache): Promise<LoadedWeights> {
  const catalogue = await loadCatalogue();
  let entry = req.pretrained ? catalogue.require(req.pretrained) : undefined;
  let opts = { config: req.config, pretrained: entry, preprocess: req.preprocess };
  const progress = (p: LoadProgress) => post({ id, kind: 'progress', progress: p });
  if ('file' in req.src) {
    const { file, name } = req.src;
    return inQueue(async () => {
      signal.throwIfAborted();
      const bytes = new Uint8Array(await file.arrayBuffer());
      progress({ loaded: bytes.byteLength, total: bytes.byteLength });
      return engine.loadWeights({ bytes, name, source: name, cached: false }, opts);
    });
  }
  // "not a URL" before anything is fetched or queued.
  const url = weightsUrl(req.src.url, self.location.href);
  // A timm hub URL that is not a catalogue entry's own: its tag's entry, or its repository's config.json.
  // Its fetch is cancelled with the download and bounded by the stall timeout, so a silent server holds nothing.
  const hubFetch: typeof fetch = (input, init) => fetch(input, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(settings.stallMs ?? STALL_MS)]) });
  const hub = !entry && !req.preprocess ? await hubWeightsMeta(url, catalogue, hubFetch) : {};
  signal.throwIfAborted();
  entry ??= hub.entry;
  opts = { ...opts, pretrained: entry, preprocess: req.preprocess ?? hub.preprocess };
  const sha256 = entry && entry.url === url ? entry.hub.sha256 : null;
  // A catalogued checkpoint is sized before it is downloaded (pretrainedConfig throws when this build
  // lacks its architecture); any download is capped by what the backend can hold, a catalogued one
  // also by its own size.
  const cap = await inQueue(async () => {
    signal.throwIfAborted();
    if (entry) pretrainedConfig(entry);
    await engine.ensureBackend();
    const need = entry ? pretrainedMemory(entry)! : undefined;
    if (need) checkMemory(need, engine.capacity());
    return downloadCap(engine.capacity(), need?.stateDictBytes);
  });
  signal.throwIfAborted();
  let bytes = await cache.get(url, sha256);
  const cached = bytes !== null;
  if (bytes) progress({ loaded: bytes.byteLength, total: bytes.byteLength });
  else bytes = await downloadWeights(url, { ...cap, signal, sha256, stallMs: settings.stallMs, onProgress: progress });
  const file: WeightsBytes = { bytes, name: displayName(url), source: url, cached };
  return inQueue(async () => {
    signal.throwIfAborted();
    progress({ loaded: file.bytes.byteLength, total: file.bytes.byteLength, building: true });
    let loaded: LoadedWeights;
    try {
      loaded = await engine.loadWeights(file, opts);
    } catch (e) {
      await cache.evict(url);
      throw e;
    }
    if (!cached) await cache.put(url, file.bytes, sha256);
    return hub.source ? { ...loaded, preprocessSource: hub.source } : loaded;
  });
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

async function handle(engine: Engine, req: Request, signal: AbortSignal, extra?: ExtraHandler): Promise<Handled> {
  switch (req.type) {
    case 'backends':
      return { result: await engine.backends() };
    case 'setBackend':
      return { result: await engine.setBackend(req.name) };
    case 'loadWeights':
    case 'cachedWeights':
    case 'clearCachedWeights':
      // Answered by serveEngine without the queue.
      throw new Error(`${req.type} is not queued`);
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
 * requests answered one at a time in arrival order, each with exactly one `done` or `error`; a weights
 * download runs beside the queue (see `loadWeights`) and the cache requests are answered at once.
 * `options` go to the engine, `downloads` to the downloads (the app's worker passes neither).
 */
export function serveEngine(extra?: ExtraHandler, options: EngineOptions = {}, downloads: DownloadSettings = {}): Engine {
  configureWasm({
    paths: { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded },
    threads: wasmThreadCount(),
  });
  const engine = new Engine(options);
  const cache = downloads.cache ?? new WeightsCache();
  let queue: Promise<unknown> = Promise.resolve();
  const inQueue: InQueue = (work) => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };
  // One controller per request not yet answered: a cancel aborts it, whether it waits, downloads or runs.
  const controllers = new Map<number, AbortController>();
  self.onmessage = (event: MessageEvent<RequestMessage>) => {
    const { id, ...rest } = event.data;
    const req = rest as Request;
    if (req.type === 'cancel') {
      controllers.get(req.target)?.abort(engineError('engine.cancelled'));
      return;
    }
    const controller = new AbortController();
    controllers.set(id, controller);
    const signal = controller.signal;
    let work: Promise<Handled>;
    if (req.type === 'loadWeights') work = loadWeights(engine, id, req, signal, inQueue, downloads, cache).then((result) => ({ result }));
    else if (req.type === 'cachedWeights') work = cache.list().then((result) => ({ result }));
    else if (req.type === 'clearCachedWeights') work = cache.clear(req.url).then(() => ({ result: undefined }));
    else {
      work = inQueue(() => {
        signal.throwIfAborted();
        return handle(engine, req, signal, extra);
      });
    }
    work.then(
      ({ result, transfer }) => post({ id, kind: 'done', result }, transfer),
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        const msg = errorMessage(err);
        post({ id, kind: 'error', message: err.message, name: err.name, ...(msg ? { msg } : {}) });
      },
    ).finally(() => controllers.delete(id));
  };
  return engine;
}
