/**
 * The app's production build carries no test or bench code: no harness page, no harness worker,
 * none of its requests, no layer-bench code. The e2e build, which has them, is checked too, so
 * that a search that finds nothing proves something.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Every file of a build, by path relative to its folder. */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), /\.(js|html|css)$/.test(name) ? readFileSync(p, 'utf8') : '');
    }
  };
  walk(dir);
  return out;
}

/** What marks test or bench code in built JavaScript or HTML. */
const MARKERS: [string, RegExp][] = [
  ['the harness page', /Engine test harness|__engineReady|__EngineClient/],
  ['the harness worker', /resnext-engine-harness/],
  ['the runRaw request', /["'`]runRaw["'`]/],
  ['the benchLayers request or the layer bench', /benchLayers/],
  ['the setGroupedMethod request', /["'`]setGroupedMethod["'`]/],
];

function found(build: Map<string, string>): string[] {
  const hits: string[] = [];
  for (const [path, text] of build) {
    if (/e2e-harness|harness/.test(path)) hits.push(`${path}: a harness file`);
    for (const [what, re] of MARKERS) if (re.test(text)) hits.push(`${path}: ${what}`);
  }
  return hits;
}

async function buildInto(mode: string): Promise<Map<string, string>> {
  const outDir = mkdtempSync(join(tmpdir(), `bundle-${mode}-`));
  dirs.push(outDir);
  await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), mode, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  return files(outDir);
}

const dirs: string[] = [];
let app: Map<string, string>;
let e2e: Map<string, string>;

beforeAll(async () => {
  app = await buildInto('production');
  e2e = await buildInto('e2e');
}, 120_000);

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('production bundle', () => {
  it('holds the app, its worker and the wasm binaries', () => {
    const paths = [...app.keys()];
    expect(paths).toContain('index.html');
    expect(paths.some((p) => /tfjs-backend-wasm-threaded-simd.*\.wasm$/.test(p))).toBe(true);
    expect([...app.values()].some((t) => t.includes('resnext-engine'))).toBe(true);
  });

  it('carries no harness page, no harness worker, no test or bench requests', () => {
    expect(found(app)).toEqual([]);
  });

  it('the e2e build, by contrast, has every one of them', () => {
    const hits = found(e2e).join('\n');
    expect(hits).toMatch(/e2e-harness\.html: a harness file/);
    for (const [what] of MARKERS) expect(hits).toContain(what);
  });
});

/** The scripts the page loads before any view asks for inference: index.html's entry and its modulepreloads. */
function initialScripts(build: Map<string, string>): string[] {
  const html = build.get('index.html') ?? '';
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/?([^"]+\.js)"/g)].map((m) => m[1]);
  return refs;
}

/** A string of tfjs-core's engine, kept by minification. */
const TFJS = 'No backend found in registry';

describe('the page loads without tfjs', () => {
  it('the entry and its preloads hold no tfjs; the worker does', () => {
    const initial = initialScripts(app);
    expect(initial.length).toBeGreaterThan(0);
    for (const path of initial) expect(app.get(path), path).toBeDefined();
    expect(initial.filter((p) => app.get(p)!.includes(TFJS))).toEqual([]);
    expect([...app].some(([p, text]) => !initial.includes(p) && text.includes(TFJS))).toBe(true);
  });
});

/** A string of the pretrained catalogue's data only (a tag no preset name contains). */
const CATALOGUE_DATA = 'resnet50.fb_swsl_ig1b_ft_in1k';

describe('the page loads without the pretrained catalogue', () => {
  it('the entry and its preloads hold none of the catalogue\'s hundreds of tags; a chunk of their own does', () => {
    const initial = initialScripts(app);
    expect(initial.filter((p) => app.get(p)!.includes(CATALOGUE_DATA))).toEqual([]);
    const holders = [...app].filter(([p, text]) => !initial.includes(p) && text.includes(CATALOGUE_DATA)).map(([p]) => p);
    expect(holders.length).toBeGreaterThan(0);
    // Not inside the worker either: the worker asks for the chunk only when a catalogued checkpoint is loaded.
    expect(holders.filter((p) => app.get(p)!.includes(TFJS))).toEqual([]);
  });
});

describe('the sample photos load with the Run and Explain views, not with the page', () => {
  it('are files of their own, small, named by no script of the first page', () => {
    const photos = [...app.keys()].filter((p) => /(chelsea|coffee|astronaut)[^/]*\.jpg$/.test(p));
    expect(photos).toHaveLength(3);
    for (const p of photos) expect(statSync(join(dirs[0], p)).size, p).toBeLessThan(48 * 1024);
    const initial = initialScripts(app);
    const names = photos.map((p) => p.split('/').pop()!);
    expect(initial.filter((s) => names.some((n) => app.get(s)!.includes(n)))).toEqual([]);
    // A lazy chunk names them (so the search above could have found them).
    expect([...app].some(([p, text]) => !initial.includes(p) && names.every((n) => text.includes(n)))).toBe(true);
  });
});
