/**
 * `npm run bench:predict`: the time model's predictions against measurements, with the errors the issue
 * asks for (mean absolute percentage error, the worst network, Spearman's rank correlation, and the
 * ResNeXt-50 / ResNet-50 and ResNeXt-101 / ResNet-101 time ratios, predicted against measured):
 *
 * 1. The calibration tables (fixtures/timing/published.json: pycls's V100 and timm's RTX 3090 rows the
 *    constants are fitted to), and pycls's V100 training rows (never fitted).
 * 2. PyTorch on this CPU (Debian's torch, /usr/bin/python3, 2 threads; bench/torch_predict.py): a probe (a GEMM,
 *    ten dense convs, five grouped ones, five weight gradients, a max pooling, an eval and a training BatchNorm, copies,
 *    tiny module calls) makes the device
 *    "this CPU"; then, for each network, inference at
 *    batch 1 and 8 and one training step at batch 8 (SGD with momentum), measured against predicted.
 * 3. The engine in this browser (tfjs wasm in headless Chromium, the app's own Cost view, whose probe is
 *    src/model/tfjs/speed-probe.ts): every op timed, against the prediction per layer and for the whole network.
 *
 * It prints the CPU and the load average at the start and the end, and for each browser network the CPU other processes
 * took while it was measured: times taken on a busy machine are noisy.
 *
 *   npm run bench:predict [-- --skip-cpu] [-- --skip-browser] [-- --quick] [-- --networks a,b,c] [-- --runs N]
 *                         [-- --train-runs N] [-- --save FILE] [-- --measured FILE] [-- --port N]  (the browser part's preview server)
 *                         [-- --clock cpu]   (the least CPU time over the threads instead of the median wall time: for a busy machine)
 *                         [-- --clock least] (the least wall time of the runs instead of the median: batch 1 on 2 threads is bimodal here)
 *                         [-- --system-malloc] (glibc's default malloc, which returns freed tensors' pages to the system)
 *                         [-- --probes N] (the CPU probe's processes, default 3: each rate the median of theirs)
 *                         [-- --probe-beside] (also probe just before each network, and predict each with its own probe)
 *                         [-- --rounds R] (batch 1 timed in R rounds over all the networks, default 3: the least or median of them)
 * --save writes the probe and the measurements as JSON; --measured FILE predicts them again without measuring.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpuConvSplit, cpuDevice, cpuWgradEfficiency, type CpuProbe } from '../src/analysis/devices.ts';
import { median, spearman } from '../src/analysis/stats.ts';
import { layerTimes, timeSetting } from '../src/analysis/timing/layers.ts';
import { trainingStepTime } from '../src/analysis/timing/predict.ts';
import { optimizerImplOf } from '../src/analysis/timing/kernels.ts';
import { PUBLISHED_TIMINGS, predictPublished } from '../src/analysis/timing/published.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { launchBrowser, measureInView, startPreview } from './browser-measure.ts';
import { cpuSnapshot, othersShare } from './cpu-share.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const log = (s: string) => process.stderr.write(s + '\n');
const out: string[] = [];
const print = (s = '') => {
  out.push(s);
  process.stdout.write(s + '\n');
};

/** 23 networks of the family that torchvision and timm build on this torch. */
const NETWORKS = [
  'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d', 'resnext101_32x4d', 'resnext101_32x8d',
  'resnext101_64x4d', 'wide_resnet50_2', 'resnext50_2x40d', 'resnext50_4x24d', 'resnext50_8x14d', 'resnet18d', 'resnet26d',
  'resnet34d', 'resnet50d', 'resnext50d_32x4d', 'seresnet50', 'seresnext26d_32x4d', 'seresnext26t_32x4d', 'seresnext50_32x4d',
  'ecaresnet50d',
];
const QUICK = ['resnet18', 'resnet50', 'resnext50_32x4d', 'resnet101', 'resnext101_32x4d', 'resnet26d'];

function cpuName(): string {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1] ?? '?';
  const cap = process.env.ONEDNN_MAX_CPU_ISA ?? process.env.DNNL_MAX_CPU_ISA;
  const aten = process.env.ATEN_CPU_CAPABILITY;
  const malloc = flag('system-malloc') ? "PyTorch on glibc's default malloc" : 'PyTorch with freed memory kept (MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_)';
  const caps = [cap ? `oneDNN capped at ${cap}` : '', aten ? `ATen kernels at ${aten}` : '', malloc].filter(Boolean).join(', ');
  return `${field('model name')} (family ${field('cpu family')}, model ${field('model')}), ${info.match(/^processor/gm)?.length ?? '?'} logical CPUs${caps ? ` (${caps})` : ''}`;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** What bench/torch_predict.py measured (--save writes it, --measured reads it back to predict again). */
interface Measurements {
  probe: CpuProbe;
  /** `probe`: the probe taken just before that network (--probe-beside); `infer1Rounds`: batch 1 in each round (--rounds). */
  networks: { name: string; infer1Ms: number; infer8Ms: number; train8Ms: number; probe?: CpuProbe; infer1Rounds?: number[] }[];
}

/** A network measured and predicted; `key` (default `name`) is what the ratios look up. */
interface Pair { name: string; key?: string; measured: number; predicted: number }

/** MAPE, the worst, Spearman and the two ResNeXt / ResNet ratios of a set of networks. */
function summary(label: string, pairs: Pair[]): void {
  const key = (p: Pair) => p.key ?? p.name;
  const err = pairs.map((p) => p.predicted / p.measured - 1);
  const mape = err.reduce((s, e) => s + Math.abs(e), 0) / err.length;
  const w = err.reduce((a, e, i) => (Math.abs(e) > Math.abs(err[a]) ? i : a), 0);
  const rho = spearman(pairs.map((p) => p.predicted), pairs.map((p) => p.measured));
  const ratio = (a: string, b: string) => {
    const x = pairs.find((p) => key(p) === a);
    const y = pairs.find((p) => key(p) === b);
    return x && y ? `${a}/${b} measured ${(x.measured / y.measured).toFixed(2)} predicted ${(x.predicted / y.predicted).toFixed(2)}` : null;
  };
  const ratios = [ratio('resnext50_32x4d', 'resnet50'), ratio('resnext101_32x4d', 'resnet101')].filter(Boolean).join('; ');
  print(`${label}: n=${pairs.length}, MAPE ${(mape * 100).toFixed(1)}%, worst ${pairs[w].name} ${(err[w] * 100).toFixed(1)}%, Spearman ${rho.toFixed(3)}${ratios ? `; ${ratios}` : ''}`);
}

function calibration(): void {
  print('1. Calibration tables (the fitted constants against the rows they were fitted to), time per batch as published:');
  const rows = PUBLISHED_TIMINGS.filter((r) => r.config);
  const tables = [...new Set(rows.map((r) => r.table.id))];
  for (const id of tables) {
    const mine = rows.filter((r) => r.table.id === id);
    const pairs = mine.map((r) => ({
      name: `${r.model}@${r.imageSize}`, key: r.imageSize === 224 && r.preset ? r.preset : undefined,
      // Time per image: the tables time different batches (timm lowers it until a step fits).
      measured: r.ms / r.batch, predicted: predictPublished(r) / r.batch,
    }));
    const use = mine[0].use === 'validation' ? ' (validation: never fitted)' : '';
    summary(`   ${id}${use}`, pairs);
  }
  const unmatched = [...new Set(PUBLISHED_TIMINGS.filter((r) => !r.config).map((r) => r.model))];
  print(`   ${unmatched.length} published networks the app cannot build yet (not fitted, not shown): ${unmatched.slice(0, 12).join(', ')}${unmatched.length > 12 ? ', ...' : ''}`);
}

/**
 * The measured PyTorch's environment: glibc's malloc keeps the memory it frees (no trimming of the heap's top, grown
 * 512 MB at a time) unless `--system-malloc`. By default glibc gives a freed tensor's pages back to the system and the
 * next op faults them in again; in this kind of sandbox a fault is so slow that the same grouped conv (ResNeXt-50's
 * stage 1 at batch 8, one thread) took 7.1 ms on one call and 45-130 ms on the next, in one process on the same input
 * (2026-12-07; docs/time-model.md). A long-running PyTorch reuses its memory; so does this measurement.
 */
const KEEP_FREED_MEMORY = { MALLOC_TRIM_THRESHOLD_: String(64 * 2 ** 30), MALLOC_TOP_PAD_: String(512 * 2 ** 20) };

function run(cmd: string, argv: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = flag('system-malloc') ? process.env : { ...process.env, ...KEEP_FREED_MEMORY };
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${argv.join(' ')} exited with ${code}`))));
  });
}

/** Several probes as one: every number in them (rates, each timed conv, the BatchNorm's passes) the median of the probes'. */
function medianProbe(probes: readonly CpuProbe[]): CpuProbe {
  const merge = (values: unknown[]): unknown => {
    const first = values[0];
    if (typeof first === 'number') return median(values as number[]);
    if (Array.isArray(first)) return first.map((_, i) => merge(values.map((v) => (v as unknown[])[i])));
    if (first && typeof first === 'object') return Object.fromEntries(Object.keys(first).map((k) => [k, merge(values.map((v) => (v as Record<string, unknown>)[k]))]));
    return first;
  };
  return merge([...probes]) as CpuProbe;
}

async function thisCpu(): Promise<void> {
  const threads = option('threads') ?? '2';
  const runs = option('runs') ?? (flag('quick') ? '3' : '5');
  const names = option('networks')?.split(',') ?? (flag('quick') ? QUICK : NETWORKS);
  const clock = option('clock') ?? 'wall';
  const saved = option('measured') ? (JSON.parse(readFileSync(option('measured')!, 'utf8')) as Measurements) : null;
  let probe: CpuProbe | null = saved?.probe ?? null;
  if (!saved) {
    // The probe's rates move between processes far more than within one (on a 2-core sandbox: its GEMM 105-206 GFLOP/s,
    // the split's reorder rate 16-106 GB/s from run to run, docs/time-model.md), so it runs in several processes and
    // each figure is the median of theirs.
    const probes: CpuProbe[] = [];
    const count = Number(option('probes') ?? '3');
    for (let i = 0; i < count; i++) await run('/usr/bin/python3', ['bench/torch_predict.py', '--probe', '--threads', threads, '--clock', clock], (l) => probes.push(JSON.parse(l) as CpuProbe));
    probe = medianProbe(probes);
  }
  const p = probe!;
  const split = cpuConvSplit(p);
  const wgrad = cpuWgradEfficiency(p);
  print(`\n2. PyTorch ${p.torch} on this CPU, ${threads} threads (bench/torch_predict.py): probe GEMM ${p.gemmGflops.toFixed(1)} GFLOP/s, convs ${p.convGflops.toFixed(1)} (grouped ${p.groupedConvGflops.toFixed(1)}) GFLOP/s` +
    `${split ? ` = arithmetic at ${split.gflops.toFixed(1)} GFLOP/s + layout reorders at ${split.reorderGBs.toFixed(1)} GB/s` : ''}` +
    `${wgrad !== null ? `, weight gradients at ${wgrad.toFixed(2)}x` : ''}, ` +
    `copy ${p.copyGBs.toFixed(1)} GB/s (64 MB: ${p.largeCopyGBs.toFixed(1)})${p.bnGBs ? `, BatchNorm ${p.bnGBs.toFixed(1)} GB/s` : ''}${p.poolGops ? `, max pooling ${p.poolGops.toFixed(2)} G comparisons/s` : ''}, ` +
    `${p.opUs.toFixed(1)} us per tiny module call, ${p.convUs.toFixed(1)} per tiny conv, ${p.vectorLanes} float32 lanes${clock === 'cpu' ? '; the least CPU time of the process over its threads, not wall time (--clock cpu)' : ''}`);
  const device = cpuDevice(p);
  const measured: Measurements['networks'] = saved?.networks ?? [];
  const trainRuns = option('train-runs') ?? (flag('quick') ? '2' : '3');
  if (!saved) {
    // Batch 1 in several rounds over all the networks (a 2-core VM has spells of a slower machine: one of them took
    // every pass of resnext101_32x4d at batch 1 in one run, 205 ms against 102-112 in the others).
    const rounds = option('rounds') ?? (flag('quick') ? '1' : '3');
    log(`timing ${names.length} networks in PyTorch (${clock === 'wall' ? 'median' : 'least'} of ${runs}; batch 1 in ${rounds} rounds) ...`);
    const beside = flag('probe-beside') ? ['--probe-each'] : [];
    // Its progress goes to stderr, each network's line to stdout once its rounds are done.
    await run('/usr/bin/python3', ['bench/torch_predict.py', '--time', names.join(','), '--threads', threads, '--runs', runs, '--train-runs', trainRuns, '--clock', clock, '--rounds', rounds, ...beside], (l) => measured.push(JSON.parse(l)));
    if (option('save')) writeFileSync(option('save')!, JSON.stringify({ probe: p, networks: measured }, null, 1) + '\n');
  }
  report(measured.map((m) => ({ m, device })));
  const beside = measured.filter((m) => m.probe);
  if (beside.length) {
    // Each network against the probe taken just before it: what a probe says when it sees the machine the network ran on.
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
    const splits = beside.map((m) => cpuConvSplit(m.probe!)).filter((x) => x !== null);
    print(`\n   with the probe taken just before each network (--probe-beside): arithmetic ${range(splits.map((x) => x.gflops))} GFLOP/s, ` +
      `reorders ${range(splits.map((x) => x.reorderGBs))} GB/s, weight gradients ${range(beside.map((m) => cpuWgradEfficiency(m.probe!) ?? NaN))}x, ` +
      `GEMM ${range(beside.map((m) => m.probe!.gemmGflops))} GFLOP/s`);
    report(beside.map((m) => ({ m, device: cpuDevice(m.probe!) })));
  }
}

/** Predicted against measured for each network, on its device (the probe's), and the three summaries. */
function report(items: { m: Measurements['networks'][number]; device: ReturnType<typeof cpuDevice> }[]): void {
  const rows = items.map(({ m, device }) => {
    const s = timeSetting(device, 'float32', 'nchw');
    const g = buildLayerGraph(presetConfig(m.name));
    return {
      m,
      infer1: layerTimes(g, 1, s).ms,
      infer8: layerTimes(g, 8, s).ms,
      // The step as the measuring PyTorch runs it (torch.optim's default implementation of its release).
      train8: trainingStepTime(g, 8, 'momentum', 1, { ...s, optimizerImpl: optimizerImplOf(device.measuredCpu?.torch ?? '') }).seconds * 1000,
    };
  });
  print(`${'network'.padEnd(20)} ${'b1 meas'.padStart(9)} ${'pred'.padStart(8)} ${'b8 meas'.padStart(9)} ${'pred'.padStart(8)} ${'train8 meas'.padStart(12)} ${'pred'.padStart(8)}  (ms)`);
  for (const r of rows) {
    print(`${r.m.name.padEnd(20)} ${r.m.infer1Ms.toFixed(1).padStart(9)} ${r.infer1.toFixed(1).padStart(8)} ${r.m.infer8Ms.toFixed(1).padStart(9)} ${r.infer8.toFixed(1).padStart(8)} ${r.m.train8Ms.toFixed(1).padStart(12)} ${r.train8.toFixed(1).padStart(8)}`);
  }
  summary('   inference, batch 1', rows.map((r) => ({ name: r.m.name, measured: r.m.infer1Ms, predicted: r.infer1 })));
  summary('   inference, batch 8', rows.map((r) => ({ name: r.m.name, measured: r.m.infer8Ms, predicted: r.infer8 })));
  summary('   training step, batch 8', rows.map((r) => ({ name: r.m.name, measured: r.m.train8Ms, predicted: r.train8 })));
}

const BROWSER_NETWORKS = [
  { label: 'ResNet-50', name: 'resnet50', query: 'preset=resnet50' },
  { label: 'ResNeXt-50 (32x4d)', name: 'resnext50_32x4d', query: 'preset=resnext50_32x4d' },
  { label: 'ResNet-18', name: 'resnet18', query: 'preset=resnet18' },
];

async function thisBrowser(): Promise<void> {
  const port = Number(option('port') ?? 4408);
  const preview = await startPreview(port);
  const browser = await launchBrowser();
  print('\n3. The engine in this browser (tfjs wasm, headless Chromium, the Cost view\'s "This browser" and "Measure": batch 1, 224, median of 3 passes per op):');
  const totals: Pair[] = [];
  try {
    for (const net of BROWSER_NETWORKS) {
      log(`${net.label} in the browser ...`);
      const page = await browser.newPage();
      const before = cpuSnapshot();
      const r = await measureInView(page, port, net.query);
      const others = othersShare(before, cpuSnapshot());
      await page.close();
      const rho = spearman(r.layers.map((l) => l.predicted), r.layers.map((l) => l.measured));
      const measured = r.layers.reduce((s, l) => s + l.measured, 0);
      const predicted = r.layers.reduce((s, l) => s + l.predicted, 0);
      totals.push({ name: net.name, measured, predicted });
      const worst = [...r.layers].sort((a, b) => Math.abs(Math.log(b.measured / b.predicted)) - Math.abs(Math.log(a.measured / a.predicted)))[0];
      print(`   ${net.label}: ${r.speed}; whole network measured ${measured.toFixed(1)} ms, predicted ${predicted.toFixed(1)} ms (${((predicted / measured - 1) * 100).toFixed(1)}%); ` +
        `Spearman over ${r.layers.length} layers ${rho.toFixed(3)}; median layer measured/predicted ${median(r.layers.map((l) => l.measured / l.predicted)).toFixed(2)}; worst layer ${worst.layer} ${(worst.measured / worst.predicted).toFixed(2)}x; ` +
        `other processes used ${others ? others.cores.toFixed(2) : '?'} cores meanwhile`);
    }
    summary('   whole networks', totals);
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid);
  }
}

async function main(): Promise<void> {
  print(`bench:predict on ${cpuName()}; Node ${process.version}; load average at start ${loadAverage()}`);
  calibration();
  if (!flag('skip-cpu')) await thisCpu();
  if (!flag('skip-browser')) await thisBrowser();
  print(`\nload average at the end ${loadAverage()}`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
