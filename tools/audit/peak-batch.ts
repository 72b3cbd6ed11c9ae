/**
 * The audit's driver for the peak training memory: reads a JSON array of `{preset, input: [C, H, W], batch}` from
 * stdin and writes one JSON line per case with `peakTrainingMemory`'s exact-size peak (momentum SGD, gradients
 * zeroed, float32: the fixtures' default step), the figure PyTorch's CPU profiler measures.
 */
import { peakTrainingMemory } from '../../src/analysis/peak-memory.ts';
import { buildLayerGraph } from '../../src/model/graph.ts';
import { presetConfig } from '../../src/model/presets.ts';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { preset: string; input: number[]; batch: number }[];
for (const c of cases) {
  const graph = buildLayerGraph(presetConfig(c.preset, { input: c.input as [number, number, number] }));
  const peak = peakTrainingMemory(graph, { batch: c.batch, optimizer: 'momentum', precision: 'float32', zeroGrad: 'zero', foreach: false });
  process.stdout.write(JSON.stringify({ bytes: peak.bytes, phase: peak.phase, startBytes: peak.startBytes }) + '\n');
}
