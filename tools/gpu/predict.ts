/**
 * Writes tools/gpu/peak_predictions.json: the predicted peak of a training step on a CUDA device for the cases
 * tools/gpu/peak_memory.py measures: torchvision's ResNets and RegNets, and timm's resnet.py family (GroupNorm,
 * BlurPool2d, average-pool anti-aliasing, ResNet-RS, SENet-154, pruned ECA) and RegNets, each case naming the
 * library that builds it. Run `npx tsx tools/gpu/predict.ts` after changing src/analysis/peak-memory.ts.
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
// The layer kinds of timm's resnet.py family and the RegNets.
for (const name of ['resnet50_gn', 'resnetblur50', 'resnetaa50d', 'resnetrs50', 'senet154', 'ecaresnet50d_pruned', 'regnet_y_400mf', 'regnet_x_3_2gf', 'regnety_008', 'regnety_032']) {
  for (const batch of [1, 32]) cases.push([name, batch, 'momentum', 'zero', 'float32']);
}
for (const name of ['resnet50_gn', 'resnetblur50', 'regnet_y_400mf', 'regnety_032']) cases.push([name, 32, 'adam', 'none', 'mixed']);
const out = cases.map(([name, batch, optimizer, zeroGrad, precision]) => {
  const graph = buildLayerGraph(presetConfig(name));
  // The mixed cases run under CUDA autocast (float16): its per-op dtypes, GroupNorm in float32.
  const peak = peakTrainingMemory(graph, { batch, optimizer, zeroGrad, foreach: false, precision, autocast: precision === 'mixed' });
  const library = graph.config.implementation === 'timm' ? 'timm' : 'torchvision';
  return { name, library, input: graph.config.input, batch, optimizer, zero_grad: zeroGrad, precision, predicted_bytes: peak.bytes, predicted_cuda_bytes: peak.cudaBytes, phase: peak.phase, at: peak.at };
});
writeFileSync('tools/gpu/peak_predictions.json', JSON.stringify({ cases: out }, null, 1) + '\n');
console.log(`wrote ${out.length} cases to tools/gpu/peak_predictions.json`);
