/**
 * `features`: the output of one layer for an input, as PyTorch's forward hook on that module returns it.
 *   features <preset | architecture flags> --weights FILE (--input FILE.bin --shape N,C,H,W | --image FILE)
 *            --layer NAME --out FILE.bin [--backend cpu|wasm] [--pretrained TAG | preprocessing flags]
 * Written as little-endian float32 in PyTorch's layout (NCHW for maps). Names: `src/model/explain.ts`
 * (a module path, a block `layer1.1`, a stage `layer4`, one call of torchvision's shared ReLU
 * `layer1.0.relu:2`). Without a preset or flags the architecture is the catalogue entry's, else inferred
 * from the weights, and --image is preprocessed, as in `predict` (`network.ts`). The engine runs it as the
 * app's Explain view does: the input's overview under the finite guard, then the layer.
 */
import { resolveTap } from '../model/explain.ts';
import { UsageError, flagString, type ParsedArgs } from './args.ts';
import { asUsage, loadNetwork, readNetworkRun, writeOutput } from './network.ts';

export async function runFeatures(args: ParsedArgs): Promise<string> {
  const layer = flagString(args, 'layer');
  if (!layer) throw new UsageError('features needs --layer NAME: a module (layer1.0.conv2), a block (layer1.1) or a stage (layer4)');
  const run = readNetworkRun('features', args, { weightsNote: '', out: 'always' });
  const { engine } = await loadNetwork(run);
  try {
    const target = asUsage(() => resolveTap(engine.network!.graph, layer));
    // The whole network runs first under the finite guard: weights or an input that make it compute NaN or Inf get an error, never an output.
    await engine.explainInput(run.x, run.shape, 1);
    const t0 = performance.now();
    const [value] = await engine.explainValues([target.name]);
    const ms = performance.now() - t0;
    writeOutput(run, value.data, `the output of ${target.name}`);
    const layout = value.shape.length === 4 ? ' (NCHW)' : '';
    return `wrote ${target.name} [${value.shape.join(', ')}] float32${layout} of ${run.inputName} to ${run.out} (${target.description}; ${run.backend}, ${ms.toFixed(0)} ms)\n`;
  } finally {
    engine.unloadWeights();
  }
}
