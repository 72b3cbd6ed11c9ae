/**
 * Writes tools/gpu/peak_predictions.json: the predicted peak of a training step on a CUDA device for the cases
 * tools/gpu/peak_memory.py measures (torchvision networks only, so the GPU machine needs nothing but torch and
 * torchvision). Run `npx tsx tools/gpu/predict.ts` after changing src/analysis/peak-memory.ts.
 */
import { writeFileSync } from 'node:fs';
import { buildLayerGraph } from '../../src/model/graph.ts';
import { presetConfig } from '../../src/model/presets.ts';
import { peakTrainingMemory, type GradReset } from '../../src/analysis/peak-memory.ts';
import type { Optimizer, TrainingPrecision } from '../../src/analysis/memory.ts';

const cases: [string, number, Optimizer, GradReset, TrainingPrecision][] = [];
for (const name of ['resnet18', 'resnet50', 'resnext50_32x4d', 'wide_resnet50_2', 'resnext101_32x8d']) {
  for (const batch of [1, 32]) cases.push([name, batch, 'momentum', 'zero', 'float32']);
}
for (const name of ['resnet50', 'resnext50_32x4d']) {
  cases.push([name, 64, 'momentum', 'zero', 'float32'], [name, 32, 'momentum', 'none', 'float32'], [name, 32, 'adam', 'zero', 'float32']);
  cases.push([name, 64, 'momentum', 'zero', 'mixed'], [name, 64, 'adam', 'none', 'mixed']);
}
const out = cases.map(([name, batch, optimizer, zeroGrad, precision]) => {
  const graph = buildLayerGraph(presetConfig(name));
  const peak = peakTrainingMemory(graph, { batch, optimizer, zeroGrad, foreach: false, precision });
  return { name, input: graph.config.input, batch, optimizer, zero_grad: zeroGrad, precision, predicted_bytes: peak.bytes, predicted_cuda_bytes: peak.cudaBytes, phase: peak.phase, at: peak.at };
});
writeFileSync('tools/gpu/peak_predictions.json', JSON.stringify({ cases: out }, null, 1) + '\n');
console.log(`wrote ${out.length} cases to tools/gpu/peak_predictions.json`);
