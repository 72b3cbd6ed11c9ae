/**
 * `npx tsx bench/op-gap-run.ts [--models resnet18,resnet50] [--threads 1|2] [--runs 7] [--probes 2] [--wait-quiet 0] [--port 4915]`: prints, per conv
 * layer, its time in the network's passes (`timeOps`, as "Measure" times it) against the same shape alone, back to
 * back (the speed probe's way), after an idle gap, from cold caches, and into fresh outputs (bench/op-gap.ts), and
 * the sums over the network's convs; `--probes N` runs the speed probe N times first, `--wait-quiet S` waits up to S seconds
 * for other processes to use under 0.3 cores. Headless Chromium, tfjs wasm, the e2e harness page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { presetConfig } from '../src/model/presets.ts';
import type { OpGapResult } from './op-gap.ts';
import { startPreview } from './browser-measure.ts';
import { cpuSnapshot, othersShare, waitForQuiet } from './cpu-share.ts';

const args = process.argv.slice(2);
const arg = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : d);
const MODELS = arg('models', 'resnet18').split(',');
const THREADS = Number(arg('threads', '2'));
const RUNS = Number(arg('runs', '7'));
const PORT = Number(arg('port', '4915'));

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(): Promise<void> {
  console.log(`op-gap: ${THREADS} thread(s), ${RUNS} runs; load average ${load()}`);
  const preview = await startPreview(PORT, { mode: 'e2e', page: '/e2e-harness.html' });
  const browser = await chromium.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/e2e-harness.html`);
    await page.waitForFunction(() => window.__engineReady === true);
    await page.evaluate(async (threads) => {
      await window.__engine.setBackend('wasm');
      await window.__engine.setKernelOptions({ threads });
    }, THREADS);
    const waitS = Number(arg('wait-quiet', '0'));
    if (waitS > 0) {
      const w = await waitForQuiet(waitS, 0.3);
      console.log(`${w.quiet ? 'quiet' : 'NOT quiet'} after ${w.waitedS.toFixed(0)} s of waiting (others ${w.last?.cores.toFixed(2) ?? '?'} cores)`);
    }
    const before = cpuSnapshot();
    for (let i = 0; i < Number(arg('probes', '2')); i++) {
      const t0 = Date.now();
      const p = await page.evaluate(() => window.__engine.measureSpeed());
      console.log(`probe (${Date.now() - t0} ms): dense ${p.convGflops.toFixed(1)} GFLOP/s, grouped ${p.groupedGflops.toFixed(1)}, conv ${p.convUs.toFixed(1)} us, add ${p.launchUs.toFixed(1)} us, chain gap ${p.chainUs.toFixed(1)} us per conv`);
    }
    for (const model of MODELS) {
      const r: OpGapResult = await page.evaluate(([config, runs]) => window.__engine.opGap(config, runs), [presetConfig(model), RUNS] as const);
      const f = (v: number) => v.toFixed(3).padStart(7);
      console.log(`\n${model}: ms; each condition least / median of ${RUNS}`);
      console.log(`${'layer'.padEnd(22)} ${'MB w'.padStart(5)} ${'net'.padStart(7)} ${'netMin'.padStart(7)} | ${'hot'.padStart(15)} | ${'idle'.padStart(15)} | ${'cold'.padStart(15)} | ${'fresh'.padStart(15)}`);
      const sum = { net: 0, netMin: 0, hot: [0, 0], idle: [0, 0], cold: [0, 0], fresh: [0, 0] };
      for (const row of r.rows) {
        console.log(`${row.layer.padEnd(22)} ${(row.weightBytes / 2 ** 20).toFixed(2).padStart(5)} ${f(row.net)} ${f(row.netMin)} | ${f(row.hot[0])} ${f(row.hot[1])} | ${f(row.idle[0])} ${f(row.idle[1])} | ${f(row.cold[0])} ${f(row.cold[1])} | ${f(row.fresh[0])} ${f(row.fresh[1])}`);
        sum.net += row.net;
        sum.netMin += row.netMin;
        for (const k of ['hot', 'idle', 'cold', 'fresh'] as const) for (let i = 0; i < 2; i++) sum[k][i] += row[k][i];
      }
      console.log(`${'sum of convs'.padEnd(22)} ${''.padStart(5)} ${f(sum.net)} ${f(sum.netMin)} | ${f(sum.hot[0])} ${f(sum.hot[1])} | ${f(sum.idle[0])} ${f(sum.idle[1])} | ${f(sum.cold[0])} ${f(sum.cold[1])} | ${f(sum.fresh[0])} ${f(sum.fresh[1])}`);
      const total = (ops: { ms: number }[]) => ops.reduce((s, o) => s + o.ms, 0);
      const convNames = new Set(r.rows.map((x) => x.layer));
      console.log(`whole network (sum of op medians): first timeOps (3 runs) ${total(r.ops).toFixed(2)} ms, second (${RUNS} runs) ${total(r.opsAgain).toFixed(2)} ms; non-conv ops: ${r.opsAgain.filter((o) => !convNames.has(o.name)).map((o) => `${o.name} ${o.ms.toFixed(3)}`).join(', ')}`);
    }
    const others = othersShare(before, cpuSnapshot());
    console.log(`other processes used ${others?.cores.toFixed(2) ?? '?'} cores while this measured`);
  } finally {
    await browser.close();
    if (preview.pid) process.kill(-preview.pid);
  }
  console.log(`\nload average at the end ${load()}`);
}

main().catch((e) => {
  console.error(`op-gap failed: ${(e as Error).message}`);
  process.exit(1);
});
