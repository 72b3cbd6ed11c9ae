/**
 * How fast the analysis engine answers: for every preset, the median time of building the layer
 * graph and computing the analysis, the torchsummary rows and Table 1 (what one UI change costs).
 * Run: npm run --silent bench:analysis
 */
import { analyzeGraph, blockTable, summarize, torchsummaryText } from '../src/analysis/index.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig, PRESETS } from '../src/model/presets.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const RUNS = 41;
const rows: string[][] = [];
for (const preset of PRESETS) {
  const config = presetConfig(preset.name);
  const once = () => {
    const graph = buildLayerGraph(config, 'torchvision');
    analyzeGraph(graph);
    const summary = summarize(graph);
    torchsummaryText(summary);
    blockTable(graph);
    return summary.rows.length;
  };
  for (let i = 0; i < 5; i++) once();
  const times: number[] = [];
  let rowsCount = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    rowsCount = once();
    times.push(performance.now() - t0);
  }
  rows.push([preset.name, String(rowsCount), median(times).toFixed(3), Math.max(...times).toFixed(3)]);
}
const header = ['preset', 'rows', 'median ms', 'max ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`analysis (graph + totals + torchsummary + Table 1), median of ${RUNS} runs after warm-up, Node ${process.version}`);
console.log(fmt(header));
for (const r of rows) console.log(fmt(r));
