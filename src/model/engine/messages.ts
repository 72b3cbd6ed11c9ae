/**
 * The engine's own messages (the worker, its client) as English templates by id (src/model/message.ts),
 * and the error that carries one; the app translates them. Errors cross the worker with their `msg`.
 */
import { catalogue } from '../message.ts';

export const ENGINE_MESSAGES = {
  'engine.notUrl': '{text} is not a URL: give the address of a .safetensors or .pth file (https://…, or a path on this site starting with /); open a file on this computer with "Load from file"',
  'engine.urlCredentials': 'the URL of {url} carries a user name or password: weights are fetched without credentials; give a public address',
  'engine.downloadFailed': 'could not download {url}: {why} (offline, or the server does not allow cross-origin requests)',
  'engine.downloadHttp': 'could not download {url}: the server answered {status}{statusText}',
  'engine.downloadHtml': 'could not use {url}: the server sent an HTML page ({type}), not a weights file',
  'engine.downloadTooLarge': 'refused {url} before downloading: the server declares {bytes, number} bytes, over the limit of {max, number} bytes ({why})',
  'engine.downloadOverCap': 'stopped the download of {url} at {loaded, number} bytes: over the limit of {max, number} bytes ({why})',
  'engine.downloadEnded': 'the download of {url} ended after {loaded, number} of {total, number} bytes ({why})',
  'engine.downloadBroke': 'the download of {url} broke off after {loaded, number} bytes ({why})',
  'engine.connectionClosed': 'connection closed',
  'engine.downloadStalled': 'the download of {url} stalled: no data for {seconds} s after {loaded, number} bytes',
  'engine.downloadHash':
    'refused {url}: its SHA-256 is {got}, not the catalogue\'s {want} (the file upstream changed or is corrupted); it was not cached',
  'engine.downloadEmpty': 'the server sent no bytes for {url}',
  'engine.catalogueSize': 'the catalogue\'s file holds {bytes, number} bytes of float32 weights; a quarter more is allowed',
  'engine.maxDownload': '4 GiB is the largest weights file this app reads',
  'engine.noCanvas': 'no 2D canvas in this worker to decode images',
  'engine.noWeights': 'no weights are loaded: load a .safetensors or .pth file first',
  'engine.noWeightsExplain': 'no weights are loaded: load a .safetensors or .pth file, or use random weights',
  'engine.tooLargeToTime': 'the network\'s weights are {gb} GB: too large to time in this browser (at most 1 GB)',
  'engine.workerFailed': 'engine worker failed: {why}',
  'engine.workerNoStart': 'could not start (see the console)',
  'engine.unreadable': 'engine worker sent a message that could not be read',
  'engine.disposed': 'the engine was disposed',
  'engine.memory.wasm': 'WebAssembly memory is 32-bit: at most 4 GiB',
  'engine.memory.device': 'navigator.deviceMemory reports {gib} GiB (rounded, capped at 8)',
  'engine.memory.assumed': 'no memory figure from this browser: 4 GiB assumed',
  'engine.formsPaths':
    'the forms check builds form (a) as C = {paths, number} separate paths, over the {max, number} it can run: choose a smaller cardinality to check the forms numerically',
  'engine.formsWork':
    'the forms check runs each of the three forms four times, and this block needs {macs, number} multiply-accumulates per run, over the {max, number} it can run: choose a smaller input size or width',
  'engine.cancelled': 'cancelled',
  'engine.hubPreprocess': '{description}, from {repo}\'s config.json (timm\'s pretrained_cfg{test}); choose another preprocessing below to change it',
  'engine.hubTestSize': ', at its test input size',
  'engine.hubConfigFailed': '{description}, the default: {error}',
} as const;

/** An engine failure: a MessageError of the catalogue. */
export const { error: engineError, message: engineMessage } = catalogue(ENGINE_MESSAGES);
