/**
 * bench/op-gap.ts in Node on tfjs-wasm (one thread: no shared memory), timed by the process's CPU time instead of the
 * wall clock, so that a load on the machine (which preempts, not slows, a thread) distorts it little.
 *   npx tsx bench/op-gap-node.ts [--models resnet18] [--runs 9]
 */
import { presetConfig } from '../src/model/presets.ts';
import { useBackend } from '../src/model/tfjs/backends.ts';
import { defaultGroupedMethod } from '../src/model/tfjs/network.ts';
import { measureOpGap } from './op-gap.ts';
import { probeSpeed } from '../src/model/tfjs/speed-probe.ts';

const args = process.argv.slice(2);
const arg = (name: string, d: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : d);

async function main(): Promise<void> {
  await useBackend('wasm');
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  performance.now = cpuMs;
  for (let i = 0; i < Number(arg('probes', '1')); i++) {
    const p = await probeSpeed({ grouped: defaultGroupedMethod('wasm') });
    console.log(`probe: dense ${p.convGflops.toFixed(1)} GFLOP/s, grouped ${p.groupedGflops.toFixed(1)}, conv ${p.convUs.toFixed(1)} us, chain gap ${p.chainUs.toFixed(1)} us per conv`);
  }
  for (const model of arg('models', 'resnet18').split(',')) {
    const r = await measureOpGap(presetConfig(model), Number(arg('runs', '9')), { grouped: defaultGroupedMethod('wasm') });
    const f = (v: number) => v.toFixed(3).padStart(7);
    console.log(`\n${model} (CPU ms, one thread, Node): layer, weights MB, net median / least / own | hot, idle, cold, fresh: least / median`);
    const sum = { net: 0, netMin: 0, own: 0, hot: 0, idle: 0, cold: 0, fresh: 0 };
    for (const row of r.rows) {
      console.log(`${row.layer.padEnd(22)} ${(row.weightBytes / 2 ** 20).toFixed(2).padStart(5)} ${f(row.net)} ${f(row.netMin)} ${f(row.own)} | ${f(row.hot[0])} ${f(row.hot[1])} | ${f(row.idle[0])} ${f(row.idle[1])} | ${f(row.cold[0])} ${f(row.cold[1])} | ${f(row.fresh[0])} ${f(row.fresh[1])}`);
      sum.net += row.net;
      sum.netMin += row.netMin;
      if (!Number.isNaN(row.own)) sum.own += row.own;
      for (const k of ['hot', 'idle', 'cold', 'fresh'] as const) sum[k] += row[k][0];
    }
    console.log(`sums: net median ${sum.net.toFixed(2)}, net least ${sum.netMin.toFixed(2)}, own (ops alone, network data, no conv1) ${sum.own.toFixed(2)}; least: hot ${sum.hot.toFixed(2)}, idle ${sum.idle.toFixed(2)}, cold ${sum.cold.toFixed(2)}, fresh ${sum.fresh.toFixed(2)}; ${r.rows.length} convs`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
