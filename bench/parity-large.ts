/**
 * Parity of the full-size networks with PyTorch: `npx tsx bench/parity-large.ts [--backend wasm|cpu]`.
 * Needs fixtures/large (`npm run fixtures:large`: random-init resnext50_32x4d and resnet50,
 * their inputs and PyTorch logits). Prints max |tfjs - PyTorch| over the whole logit vectors.
 */
import { existsSync } from 'node:fs';
import { buildLayerGraph } from '../src/model/graph.ts';
import { useBackend } from '../src/model/tfjs/backends.ts';
import { maxAbsDiff, readBytes, readF32, readFixtureManifest } from '../test/support/fixture-io.ts';
import { buildNetwork } from '../src/model/tfjs/network.ts';
import { checkStateDict, openWeights } from '../src/model/weights/index.ts';

const DIR = 'fixtures/large';
const args = process.argv.slice(2);
const backend = (args[args.indexOf('--backend') + 1] ?? 'wasm') as 'wasm' | 'cpu';

async function main(): Promise<void> {
  if (!existsSync(`${DIR}/resnext50_32x4d.json`)) {
    process.stderr.write('fixtures/large is missing: run `npm run fixtures:large` first\n');
    process.exit(2);
  }
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got ${backend}`);
  await useBackend(backend);
  let worst = 0;
  for (const name of ['resnext50_32x4d', 'resnet50']) {
    const m = readFixtureManifest(DIR, name);
    const graph = buildLayerGraph(m.config);
    const x = readF32(`${DIR}/${name}.input.bin`);
    const ref = readF32(`${DIR}/${name}.logits.bin`);
    for (const file of [`${name}.safetensors`, `${name}.pth`]) {
      const opened = openWeights(readBytes(`${DIR}/${file}`), file);
      checkStateDict(graph, opened.entries);
      const stateDict = opened.read();
      const net = buildNetwork(graph, stateDict);
      const t0 = performance.now();
      const y = await net.run(x, m.inputShape);
      const ms = performance.now() - t0;
      net.dispose();
      const d = maxAbsDiff(y.data, ref);
      worst = Math.max(worst, d);
      process.stdout.write(`${file.padEnd(30)} ${backend}  batch ${m.inputShape[0]}  max |diff| ${d.toExponential(2)}  (${ms.toFixed(0)} ms, grouped: ${net.grouped})\n`);
    }
  }
  process.stdout.write(`worst max |diff| ${worst.toExponential(2)} (${worst <= 1e-4 ? 'within' : 'OVER'} 1e-4)\n`);
  if (worst > 1e-4) process.exit(1);
}

main().catch((e) => {
  process.stderr.write(`parity-large failed: ${(e as Error).message}\n`);
  process.exit(1);
});
