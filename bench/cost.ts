/**
 * `npm run bench:cost`: how good the roofline of "This browser" is, and how fast the cost analysis is.
 *
 * 1. The cost analysis (layer graph + src/analysis/cost.ts) of every preset at batch 1, 64 and 4096 on
 *    a datasheet device, median of 21 runs after warm-up, in Node.
 * 2. For ResNet-50, ResNeXt-50 (32x4d) and a grouped-heavy ResNeXt-50 (8x64d: half its MACs in grouped
 *    3x3 convs), batch 1 at 224, in headless Chromium on tfjs wasm through the production build of the
 *    app's own Cost view: the engine measures the backend (matmul, bandwidth, per-op time), "Measure"
 *    times every op (median of 3 passes), and the bench reads measured against predicted per stage and
 *    per layer from the view, with the rank correlation over layers. Aim: every stage within 2x, rank
 *    correlation >= 0.8.
 *
 *   npm run bench:cost [-- --skip-browser]
 */
import { cpus } from 'node:os';
import { launchBrowser, measureInView, startPreview } from './browser-measure.ts';
import { costOf } from '../src/analysis/cost.ts';
import { findDevice } from '../src/analysis/devices.ts';
import { median, spearman } from '../src/analysis/stats.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig, PRESETS } from '../src/model/presets.ts';

const PORT = 4407;
const args = process.argv.slice(2);
const log = (s: string) => process.stderr.write(s + '\n');

const NETWORKS = [
  { label: 'ResNet-50', query: 'preset=resnet50' },
  { label: 'ResNeXt-50 (32x4d)', query: 'preset=resnext50_32x4d' },
  { label: 'ResNeXt-50 (8x64d), custom, grouped-heavy', query: 'preset=resnext50_32x4d&C=8&d=64' },
];

function analysisBench(): string[] {
  const device = findDevice('v100')!;
  const out = ['cost analysis (layer graph + cost.ts: memory, traffic, roofline) of one preset at one batch, Node ' + process.version + ', median of 21 runs after warm-up'];
  out.push(`${'preset'.padEnd(22)} ${'kernels'.padStart(7)} ${'b1 ms'.padStart(7)} ${'b64 ms'.padStart(7)} ${'b4096 ms'.padStart(9)} ${'fastest'.padStart(8)}`);
  let worst = 0;
  let worstFastest = 0;
  // Warm the JIT on every preset first, so that no preset is timed while its code paths still compile.
  for (let i = 0; i < 3; i++) {
    for (const p of PRESETS) costOf(buildLayerGraph(presetConfig(p.name)), { batch: 64, dtype: 'float32', layout: 'nchw', optimizer: 'adam', device, gpus: 1 });
  }
  for (const p of PRESETS) {
    const config = presetConfig(p.name);
    const cells: number[] = [];
    let fastest = Infinity;
    let kernels = 0;
    for (const batch of [1, 64, 4096]) {
      const once = () => costOf(buildLayerGraph(config), { batch, dtype: 'float32', layout: 'nchw', optimizer: 'adam', device, gpus: 1 });
      for (let i = 0; i < 5; i++) once();
      const times: number[] = [];
      for (let i = 0; i < 21; i++) {
        const t0 = performance.now();
        kernels = once().layers.length;
        times.push(performance.now() - t0);
      }
      cells.push(median(times));
      fastest = Math.min(fastest, ...times);
    }
    worst = Math.max(worst, ...cells);
    worstFastest = Math.max(worstFastest, fastest);
    out.push(`${p.name.padEnd(22)} ${String(kernels).padStart(7)} ${cells[0].toFixed(3).padStart(7)} ${cells[1].toFixed(3).padStart(7)} ${cells[2].toFixed(3).padStart(9)} ${fastest.toFixed(3).padStart(8)}`);
  }
  out.push(`slowest median: ${worst.toFixed(3)} ms (target < 5 ms); slowest fastest run: ${worstFastest.toFixed(3)} ms (a run the machine did not interrupt)`);
  return out;
}

async function browserBench(): Promise<string[]> {
  const preview = await startPreview(PORT);
  const browser = await launchBrowser();
  const out: string[] = [`\nmeasured vs predicted on tfjs wasm in headless Chromium (${cpus().length} cores; batch 1, 224x224; random weights; median of 3 passes per op)`];
  try {
    for (const net of NETWORKS) {
      log(`${net.label} ...`);
      const page = await browser.newPage();
      const r = await measureInView(page, PORT, net.query);
      await page.close();
      const rho = spearman(r.layers.map((l) => l.predicted), r.layers.map((l) => l.measured));
      const measured = r.layers.reduce((s, l) => s + l.measured, 0);
      const predicted = r.layers.reduce((s, l) => s + l.predicted, 0);
      const within = r.stages.filter((s) => s.measured / s.predicted <= 2 && s.measured / s.predicted >= 0.5).length;
      out.push(`\n${net.label}: measured roofline: ${r.speed}`);
      out.push(`${'stage'.padEnd(8)} ${'measured ms'.padStart(12)} ${'predicted ms'.padStart(13)} ${'ratio'.padStart(7)}`);
      for (const s of r.stages) out.push(`${s.stage.padEnd(8)} ${s.measured.toFixed(2).padStart(12)} ${s.predicted.toFixed(2).padStart(13)} ${(s.measured / s.predicted).toFixed(2).padStart(7)}`);
      out.push(`${'total'.padEnd(8)} ${measured.toFixed(2).padStart(12)} ${predicted.toFixed(2).padStart(13)} ${(measured / predicted).toFixed(2).padStart(7)}`);
      out.push(`stages within 2x: ${within} of ${r.stages.length}; rank correlation over ${r.layers.length} layers: ${rho.toFixed(3)} (view shows ${r.shown.toFixed(2)}; aim >= 0.8)`);
      const kinds = [...new Set(r.layers.map((l) => l.kind))].map((k) => {
        const mine = r.layers.filter((l) => l.kind === k);
        const m = mine.reduce((a, l) => a + l.measured, 0);
        return { k, m, ratio: m / mine.reduce((a, l) => a + l.predicted, 0) };
      }).sort((a, b) => b.m - a.m);
      out.push(`by kind (share of measured time, measured / predicted): ${kinds.map((x) => `${x.k} ${((x.m / measured) * 100).toFixed(0)}% ${x.ratio.toFixed(2)}x`).join(', ')}`);
      const worst = [...r.layers].sort((a, b) => b.measured / b.predicted - a.measured / a.predicted).slice(0, 3);
      out.push(`slowest against prediction: ${worst.map((l) => `${l.layer} ${(l.measured / l.predicted).toFixed(1)}x`).join(', ')}`);
    }
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid);
  }
  return out;
}

async function main(): Promise<void> {
  const out = analysisBench();
  if (!args.includes('--skip-browser')) out.push(...(await browserBench()));
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
