/**
 * A weights URL of a timm hub repository (`https://huggingface.co/timm/<arch>.<tag>/resolve/<rev>/model.safetensors`
 * or `pytorch_model.bin`): which repository it is, and its preprocessing. A tag in the catalogue brings its
 * entry; any other timm repository brings its own `config.json` (timm's `pretrained_cfg`, written by
 * `push_to_hub` beside the weights), fetched from the same place. Anything else gets the default preprocessing
 * with a notice that says so and how to choose another.
 */
import { DEFAULT_PREPROCESS, describePreprocessMessage, validatePreprocess, type CropMode, type PreprocessConfig } from './preprocess.ts';
import { messageOf, type Message } from './message.ts';
import { ENGINE_MESSAGES } from './engine/messages.ts';
import type { Interpolation } from './image/resample.ts';
import type { Catalogue, PretrainedEntry } from './pretrained.ts';

/** A weights file in a timm hub repository. */
interface TimmHubFile {
  /** `timm/resnet50.a1_in1k` */
  repo: string;
  architecture: string;
  tag: string;
  revision: string;
  /** `config.json` beside the weights, at the same revision. */
  configUrl: string;
}

const WEIGHTS_PATH = /^\/timm\/([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+)\/resolve\/([A-Za-z0-9._-]+)\/(model\.safetensors|pytorch_model\.bin)$/;

/** The timm repository of a weights URL, or null for any other URL. */
export function timmHubFile(url: string): TimmHubFile | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const m = WEIGHTS_PATH.exec(parsed.pathname);
  if (!m) return null;
  const [, architecture, tag, revision, file] = m;
  const configUrl = new URL(parsed.pathname.slice(0, -file.length) + 'config.json', parsed.origin).href;
  return { repo: `timm/${architecture}.${tag}`, architecture, tag, revision, configUrl };
}

/** What a hub repository's `config.json` says about using its weights. */
interface HubConfig {
  architecture: string;
  classes: number;
  /** The config's preprocessing (`input_size`, ...), and the same at `test_input_size` / `test_crop_pct`. */
  preprocess: PreprocessConfig;
  testPreprocess: PreprocessConfig | null;
}

class HubConfigError extends Error {
  override readonly name = 'HubConfigError';
}

const side = (v: unknown): number | null => (Array.isArray(v) && v.length === 3 && Number.isInteger(v[2]) ? (v[2] as number) : null);

/** Reads timm's `config.json` (its `pretrained_cfg`); one line naming the field for anything malformed. */
export function parseHubConfig(doc: unknown, where: string): HubConfig {
  const fail = (what: string): never => {
    throw new HubConfigError(`${where}: ${what}; the weights can still be used with a preprocessing you choose`);
  };
  if (typeof doc !== 'object' || doc === null) fail('is not a JSON object');
  const root = doc as Record<string, unknown>;
  const cfg = root.pretrained_cfg;
  if (typeof cfg !== 'object' || cfg === null) fail('has no pretrained_cfg (not a timm config.json)');
  const c = cfg as Record<string, unknown>;
  const size = side(c.input_size) ?? fail(`input_size ${JSON.stringify(c.input_size)} is not [3, H, W]`);
  const base = {
    inputSize: size,
    cropPct: typeof c.crop_pct === 'number' ? c.crop_pct : fail(`crop_pct ${JSON.stringify(c.crop_pct)} is not a number`),
    interpolation: (c.interpolation ?? 'bilinear') as Interpolation,
    cropMode: (c.crop_mode ?? 'center') as CropMode,
    mean: c.mean as [number, number, number],
    std: c.std as [number, number, number],
  };
  let preprocess: PreprocessConfig;
  let testPreprocess: PreprocessConfig | null = null;
  try {
    preprocess = validatePreprocess(base);
    const testSize = c.test_input_size === undefined ? null : side(c.test_input_size) ?? fail(`test_input_size ${JSON.stringify(c.test_input_size)} is not [3, H, W]`);
    const testCrop = typeof c.test_crop_pct === 'number' ? c.test_crop_pct : null;
    if (testSize !== null || testCrop !== null) testPreprocess = validatePreprocess({ ...base, inputSize: testSize ?? size, cropPct: testCrop ?? base.cropPct });
  } catch (e) {
    if (e instanceof HubConfigError) throw e;
    return fail((e as Error).message);
  }
  const classes = root.num_classes ?? c.num_classes;
  if (!Number.isInteger(classes) || (classes as number) < 0) fail(`num_classes ${JSON.stringify(classes)} is not a whole number`);
  const architecture = typeof root.architecture === 'string' ? root.architecture : fail('has no architecture');
  return { architecture, classes: classes as number, preprocess, testPreprocess };
}

/** How a weights URL's preprocessing was found. */
type HubPreprocess =
  | { kind: 'catalogue'; entry: PretrainedEntry }
  | { kind: 'config'; file: TimmHubFile; config: HubConfig }
  | { kind: 'none' };

/** A hub config.json is a few kB: a larger declared body is not one. */
const CONFIG_MAX_BYTES = 1 << 20;

/**
 * The preprocessing of a weights URL: the catalogue's entry for a catalogued tag (any revision), the
 * repository's `config.json` for another timm repository, else none (the caller applies the default and says so).
 */
export async function resolveHubPreprocess(url: string, catalogue: Catalogue, fetchFn: typeof fetch = fetch): Promise<HubPreprocess> {
  const file = timmHubFile(url);
  if (!file) return { kind: 'none' };
  const entry = catalogue.find(`${file.architecture}.${file.tag}`);
  if (entry) return { kind: 'catalogue', entry };
  let response: Response;
  try {
    response = await fetchFn(file.configUrl);
  } catch (e) {
    throw new HubConfigError(`${file.configUrl} could not be fetched (${(e as Error).message}); the weights can still be used with a preprocessing you choose`);
  }
  if (!response.ok) throw new HubConfigError(`${file.configUrl}: the server answered ${response.status}; the weights can still be used with a preprocessing you choose`);
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > CONFIG_MAX_BYTES) {
    throw new HubConfigError(`${file.configUrl} is ${length} bytes, not a config.json (at most ${CONFIG_MAX_BYTES}); the weights can still be used with a preprocessing you choose`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    throw new HubConfigError(`${file.configUrl} could not be read (${(e as Error).message}); the weights can still be used with a preprocessing you choose`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new HubConfigError(`${file.configUrl} is not JSON; the weights can still be used with a preprocessing you choose`);
  }
  return { kind: 'config', file, config: parseHubConfig(doc, file.configUrl) };
}

/**
 * What loading weights from a URL takes from the hub: the catalogue entry of a catalogued timm tag, or the
 * preprocessing of another timm repository's config.json (at its test size where it has one) with a message saying
 * where it came from; a config.json that cannot be had leaves the default preprocessing, with a message saying why.
 * Nothing for other URLs (the default applies; the views say so).
 */
export async function hubWeightsMeta(url: string, catalogue: Catalogue, fetchFn: typeof fetch = fetch): Promise<{ entry?: PretrainedEntry; preprocess?: PreprocessConfig; source?: Message }> {
  let hub: HubPreprocess;
  try {
    hub = await resolveHubPreprocess(url, catalogue, fetchFn);
  } catch (e) {
    if (!(e instanceof HubConfigError)) throw e;
    return { source: messageOf(ENGINE_MESSAGES, 'engine.hubConfigFailed', { description: describePreprocessMessage(DEFAULT_PREPROCESS), error: e.message }) };
  }
  if (hub.kind === 'catalogue') return { entry: hub.entry };
  if (hub.kind === 'none') return {};
  const preprocess = hub.config.testPreprocess ?? hub.config.preprocess;
  const test = hub.config.testPreprocess ? messageOf(ENGINE_MESSAGES, 'engine.hubTestSize') : '';
  return { preprocess, source: messageOf(ENGINE_MESSAGES, 'engine.hubPreprocess', { description: describePreprocessMessage(preprocess), repo: hub.file.repo, test }) };
}
