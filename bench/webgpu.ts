/**
 * `npm run bench:webgpu`: the engine's WebGPU path (tfjs-backend-webgpu with the own WGSL grouped
 * conv) timed in Node through Dawn (npm `webgpu`): ResNeXt-50 32x4d and ResNet-50 at 224x224, batch
 * 1 and 8, ms per image and GMAC/s; for ResNeXt-50 the tiled grouped kernel, the reference kernel
 * and split + concat. On a machine with a GPU it times the GPU. Without one it runs on SwiftShader's
 * Vulkan driver (Debian chromium's), which checks correctness but says nothing about GPU speed.
 * Batch-1 logits are compared with PyTorch's when fixtures/large has them. On a software adapter
 * (minutes an image) the default is one timed run at batch 1; --batches 1,8 adds batch 8.
 *   npm run bench:webgpu [-- --runs 10 --batches 1,8 --models resnext50_32x4d,resnet50 --software]
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { totalMacs } from '../src/analysis/counts.ts';
import { buildLayerGraph } from '../src/model/graph.ts';
import { presetConfig } from '../src/model/presets.ts';
import { registerGroupedKernels, setWgslGroupedVariant, type GroupedMethod, type WgslGroupedVariant } from '../src/model/tfjs/grouped.ts';
import { buildNetwork } from '../src/model/tfjs/network.ts';
import { randomStateDict } from '../src/model/tfjs/random.ts';
import { openWeights } from '../src/model/weights/open.ts';
import type { StateDict } from '../src/model/weights/common.ts';
import { installDawn } from '../test/support/dawn.ts';
import { maxAbsDiff, readF32 } from '../test/support/fixture-io.ts';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const MODELS = arg('--models', 'resnext50_32x4d,resnet50').split(',');
const BATCHES_ARG = args.includes('--batches') ? arg('--batches', '1,8').split(',').map(Number) : null;
const LARGE = 'fixtures/large';
const log = (s: string) => process.stderr.write(s + '\n');

interface Method {
  name: string;
  grouped: GroupedMethod;
  wgsl: WgslGroupedVariant;
}

const GROUPED_METHODS: Method[] = [
  { name: 'grouped kernel, tiled', grouped: 'kernel', wgsl: 'auto' },
  { name: 'grouped kernel, reference', grouped: 'kernel', wgsl: 'reference' },
  { name: 'split + concat', grouped: 'split', wgsl: 'auto' },
];

function weights(model: string): { sd: StateDict; source: string } {
  const file = `${LARGE}/${model}.safetensors`;
  if (existsSync(file)) return { sd: openWeights(new Uint8Array(readFileSync(file)), file).read(), source: 'fixtures/large (PyTorch weights)' };
  return { sd: randomStateDict(buildLayerGraph(presetConfig(model)), 1), source: 'random weights (no fixtures/large)' };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const adapter = await installDawn(args.includes('--software'));
  // On a software adapter (minutes an image) one timed run at batch 1 unless asked for more; the
  // correctness run before it is the warm-up.
  const runs = Math.max(1, Number(arg('--runs', adapter.software ? '1' : '10')) || 1);
  const batches = BATCHES_ARG ?? (adapter.software ? [1] : [1, 8]);
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not start on the Dawn adapter');
  await tf.ready();
  registerGroupedKernels(['webgpu']);
  const where = adapter.software
    ? `SwiftShader (software Vulkan on the CPU: ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}): correctness only, the times say nothing about a GPU`
    : `GPU adapter ${adapter.vendor} ${adapter.architecture}`;
  log(`Dawn adapter: ${adapter.vendor} / ${adapter.architecture}; ${runs} timed run(s) after a warm-up, batch ${batches.join(' and ')}`);
  const out: string[] = [`WebGPU through Dawn (npm webgpu) in Node ${process.versions.node}, tfjs-backend-webgpu: ${where}`];
  out.push(`${'model'.padEnd(16)} ${'method'.padEnd(26)} ${'batch'.padStart(5)} ${'ms'.padStart(10)} ${'ms/image'.padStart(9)} ${'GMAC/s'.padStart(7)}  check`);
  for (const model of MODELS) {
    const graph = buildLayerGraph(presetConfig(model));
    const macs = totalMacs(graph);
    const { sd, source } = weights(model);
    const grouped = graph.nodes.some((n) => n.kind === 'conv' && n.conv!.groups > 1);
    const refInput = `${LARGE}/${model}.input.bin`;
    const refLogits = `${LARGE}/${model}.logits.bin`;
    const haveRef = source.startsWith('fixtures') && existsSync(refInput) && existsSync(refLogits);
    for (const method of grouped ? GROUPED_METHODS : [{ name: 'dense only', grouped: 'kernel' as const, wgsl: 'auto' as const }]) {
      setWgslGroupedVariant(method.wgsl);
      const net = buildNetwork(graph, sd, { grouped: method.grouped });
      try {
        let check = source;
        if (haveRef) {
          const y = await net.run(readF32(refInput), [1, 3, 224, 224]);
          check = `max |diff| to PyTorch ${maxAbsDiff(y.data, readF32(refLogits)).toExponential(2)}`;
        }
        for (const batch of batches) {
          const x = tf.randomNormal([batch, 3, 224, 224], 0, 1, 'float32', 7) as tf.Tensor4D;
          const once = async () => {
            const t0 = performance.now();
            const y = net.predict(x);
            await y.data();
            y.dispose();
            return performance.now() - t0;
          };
          if (!(haveRef && batch === 1 && adapter.software)) await once();
          const times: number[] = [];
          for (let i = 0; i < runs; i++) times.push(await once());
          x.dispose();
          const ms = median(times);
          const line = `${model.padEnd(16)} ${method.name.padEnd(26)} ${String(batch).padStart(5)} ${ms.toFixed(1).padStart(10)} ${(ms / batch).toFixed(1).padStart(9)} ${((macs * batch) / ms / 1e6).toFixed(2).padStart(7)}  ${batch === 1 ? check : ''}`;
          out.push(line);
          log(line);
        }
      } finally {
        net.dispose();
      }
    }
  }
  setWgslGroupedVariant('auto');
  process.stdout.write(out.join('\n') + '\n');
  // Dawn keeps its device threads alive; end once the table is out.
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`bench:webgpu failed: ${(e as Error).message}\n`);
  process.exit(1);
});
