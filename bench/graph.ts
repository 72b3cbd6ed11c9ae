/**
 * `npm run bench:graph`: how fast the Graph view opens and closes on 500-row networks (ResNet-152,
 * SE-ResNeXt-101 32x4d) in headless Chromium, production build. Each interaction is a real key press
 * (Enter on a focused tree item) measured two ways, median of RUNS after a warm-up:
 * - INP: the Event Timing API's duration of the keydown (from the input to the next paint, rounded by
 *   the browser to 8 ms), what "interaction to next paint" reports;
 * - script: from dispatching the same keydown in the page to the end of the next frame
 *   (requestAnimationFrame, then a task), which includes waiting for the frame.
 * A reference in the same run: a key the tree ignores (the frame's own cost) and the same toggle on
 * ResNet-18 (a 70-row network). Also the number of SVG elements in the drawing after each interaction.
 *   npm run bench:graph [-- --runs 9]
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { chromium, type Page } from '@playwright/test';
import { median } from '../src/analysis/stats.ts';
import { startPreview } from './browser-measure.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { graphTree, levelExpansion, orderedIds } from '../src/app/graphTree.ts';

const args = process.argv.slice(2);
const RUNS = Math.max(5, Number(args[args.indexOf('--runs') + 1] ?? 9) || 9);
const PORT = 4409;
const FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const log = (s: string) => process.stderr.write(s + '\n');

function cpuDescription(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (k: string) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? '?';
    return `${field('model name')} (family ${field('cpu family')} model ${field('model')}), ${cpus().length} cores`;
  } catch {
    return `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`;
  }
}

interface Timing { inp: number; script: number; elements: number }

/**
 * Presses a key on a tree item (focused first), RUNS times after a warm-up, each time twice by real
 * input (INP) and twice dispatched in the page (script): a toggle opens and closes, one median over both.
 */
async function press(page: Page, id: string, key: string, runs: number): Promise<Timing> {
  const inps: number[] = [];
  const scripts: number[] = [];
  for (let i = 0; i <= runs; i++) {
    for (let twice = 0; twice < 2; twice++) {
      await page.evaluate((target) => {
        const w = window as unknown as { __inp: number[] };
        w.__inp = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (e.name === 'keydown') w.__inp.push(e.duration);
        }).observe({ type: 'event', durationThreshold: 16, buffered: false } as PerformanceObserverInit);
        (document.querySelector(`[data-id="${CSS.escape(target)}"]`) as SVGElement).focus({ preventScroll: true });
      }, id);
      await page.keyboard.press(key);
      await page.waitForTimeout(400);
      // Below the observer's 16 ms threshold no entry comes: count it as 16.
      const inp = await page.evaluate(() => Math.max(16, ...(window as unknown as { __inp: number[] }).__inp));
      if (i > 0) inps.push(inp);
    }
    for (let twice = 0; twice < 2; twice++) {
      const script = await page.evaluate(async ({ target, k }) => {
        const el = document.querySelector(`[data-id="${CSS.escape(target)}"]`) as SVGElement;
        const t0 = performance.now();
        el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return performance.now() - t0;
      }, { target: id, k: key });
      await page.waitForTimeout(400);
      if (i > 0) scripts.push(script);
    }
  }
  const elements = await page.evaluate(() => document.querySelectorAll('svg.graph-svg *').length);
  return { inp: median(inps), script: median(scripts), elements };
}

/** Clicks a level button ("Blocks" / "Layers") RUNS times, alternating, medians of each. */
async function levels(page: Page, runs: number): Promise<{ open: Timing; close: Timing }> {
  const out = { open: [] as number[], close: [] as number[], openI: [] as number[], closeI: [] as number[], openE: 0, closeE: 0 };
  for (let i = 0; i <= runs; i++) {
    for (const [name, which] of [['Layers', 'open'], ['Blocks', 'close']] as const) {
      const ms = await page.evaluate(async (label) => {
        const b = [...document.querySelectorAll('.graph-controls button')].find((x) => x.textContent === label) as HTMLButtonElement;
        const t0 = performance.now();
        b.click();
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return performance.now() - t0;
      }, name);
      await page.waitForTimeout(400);
      const elements = await page.evaluate(() => document.querySelectorAll('svg.graph-svg *').length);
      if (i > 0) {
        out[which].push(ms);
        if (which === 'open') out.openE = elements;
        else out.closeE = elements;
      }
    }
  }
  return { open: { inp: NaN, script: median(out.open), elements: out.openE }, close: { inp: NaN, script: median(out.close), elements: out.closeE } };
}

async function main(): Promise<void> {
  const preview = await startPreview(PORT);
  const browser = await chromium.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined, args: FLAGS });
  const lines: string[] = [];
  const row = (what: string, t: Timing) =>
    lines.push(`${what.padEnd(58)} ${Number.isNaN(t.inp) ? '     —' : `${t.inp.toFixed(0).padStart(6)}`} ${t.script.toFixed(1).padStart(8)} ${String(t.elements).padStart(9)}`);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    /** The view with these groups open and `layer` selected (the view centres it, so it is drawn). */
    const open = async (preset: string, level: 'blocks' | 'layers', layer: string) => {
      const ids = orderedIds(graphTree(buildLayerGraph(presetConfig(preset))), levelExpansion(graphTree(buildLayerGraph(presetConfig(preset))), level));
      await page.goto(`http://127.0.0.1:${PORT}/?view=graph&preset=${preset}&open=${ids.join(',')}&layer=${layer}`);
      await page.locator(`[data-id="${layer}"]`).waitFor();
      await page.waitForTimeout(500);
    };
    log('ResNet-18 (reference) ...');
    await open('resnet18', 'blocks', 'layer3.1');
    row('resnet18, stages open: a key the tree ignores (frame)', await press(page, 'layer3.1', 'x', RUNS));
    row('resnet18, stages open: open/close block layer3.1', await press(page, 'layer3.1', 'Enter', RUNS));
    for (const [preset, block, module] of [['resnet152', 'layer3.17', null], ['seresnext101_32x4d', 'layer3.11', 'layer3.11.se']] as const) {
      log(`${preset} ...`);
      await open(preset, 'blocks', block);
      row(`${preset}, stages open: a key the tree ignores (frame)`, await press(page, block, 'x', RUNS));
      row(`${preset}, stages open: open/close block ${block}`, await press(page, block, 'Enter', RUNS));
      const lv = await levels(page, RUNS);
      row(`${preset}: "Layers" (every block opens)`, lv.open);
      row(`${preset}: "Blocks" (every block closes)`, lv.close);
      await open(preset, 'layers', block);
      const visible = await page.evaluate(() => document.querySelector('svg.graph-svg [role=tree]')?.getAttribute('aria-label'));
      lines.push(`  (${preset} with every block open: ${visible})`);
      row(`${preset}, all open: close/open block ${block}`, await press(page, block, 'Enter', RUNS));
      if (module) {
        await open(preset, 'layers', module);
        row(`${preset}, all open: open/close ${module}`, await press(page, module, 'Enter', RUNS));
      }
      if (presetConfig(preset).cardinality > 1) {
        await open(preset, 'layers', `${block}.conv2`);
        row(`${preset}, all open: open/close grouped conv ${block}.conv2`, await press(page, `${block}.conv2`, 'Enter', RUNS));
      }
    }
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid);
  }
  const [l1] = loadavg();
  console.log(`Graph view interactions, Chromium headless, 1280x800, production build; ${cpuDescription()}; load average ${l1.toFixed(2)} at the end`);
  console.log(`median of ${RUNS} x 2 (a toggle: opens and closes, one median over both); INP below 16 ms shows as 16 (the Event Timing threshold)`);
  console.log(`${'interaction'.padEnd(58)} ${'INP ms'.padStart(6)} ${'script ms'.padStart(8)} ${'SVG nodes'.padStart(9)}`);
  for (const l of lines) console.log(l);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
