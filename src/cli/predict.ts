/**
 * `predict`: run a network with real weights in Node (tfjs cpu or wasm backend), through the engine the app runs.
 *   predict <preset | architecture flags> --weights FILE --input FILE.bin --shape N,3,H,W --out FILE.bin
 *   predict <preset | architecture flags> --weights FILE --image FILE.png|.jpg [--out FILE.bin]
 *   predict --pretrained TAG --weights FILE --image FILE   (the catalogue entry's network, preprocessing, classes)
 * Raw tensors are little-endian float32: the input NCHW, the output logits [N, classes].
 * Without a preset or flags, the architecture is the catalogue entry's, else inferred from the weights.
 * Images are preprocessed as the entry says, or as the preprocessing flags say (`preprocess.ts` here),
 * else with timm's default (torchvision V1's) transform, which the output names.
 */
import { classNames } from '../model/classes.ts';
import { topK } from '../model/engine/engine.ts';
import { describePreprocess } from '../model/preprocess.ts';
import { UsageError, flagString, type ParsedArgs } from './args.ts';
import { decodeF32LE, encodeF32LE } from './f32.ts';
import { loadNetwork, readNetworkRun, writeOutput } from './network.ts';

export { decodeF32LE, encodeF32LE };

export async function runPredict(args: ParsedArgs): Promise<string> {
  const topkText = flagString(args, 'topk') ?? '5';
  if (!/^\d+$/.test(topkText) || Number(topkText) < 1) throw new UsageError(`--topk must be a positive integer, got "${topkText.slice(0, 40)}"`);
  const run = readNetworkRun('predict', args, { weightsNote: ': random weights are not a prediction', out: 'with-input' });
  const { engine, weights } = await loadNetwork(run);
  try {
    const y = await engine.logits(run.x, run.shape);
    const ms = y.ms.toFixed(0);
    if (run.out) writeOutput(run, y.logits, 'the logits');
    const lines: string[] = [];
    if (run.image) {
      const how = run.entry ? `${run.entry.tag}'s ${run.entry.testPreprocess ? "test-size (timm's test_input_size and test_crop_pct, as its accuracy was measured) " : ''}preprocessing` : run.image.given ? 'preprocessing from the flags' : "timm's default preprocessing (give --pretrained TAG for a catalogued checkpoint's own)";
      lines.push(`${run.inputName} on ${run.backend}, ${ms} ms; ${how}: ${describePreprocess(run.image.preprocess)}`);
      if (weights.classesAssumed) lines.push('  (1000 outputs: ImageNet-1k class names assumed)');
      const names = weights.classes ? classNames(weights.classes) : null;
      for (const t of topK(y.logits, Number(topkText), names)) lines.push(`  ${(t.prob * 100).toFixed(2).padStart(6)}%  ${String(t.index).padStart(4)}  ${t.label}`);
    }
    if (run.out) lines.push(`wrote logits [${y.shape.join(', ')}] float32 to ${run.out} (${run.backend}, ${ms} ms)`);
    return lines.join('\n') + '\n';
  } finally {
    engine.unloadWeights();
  }
}
