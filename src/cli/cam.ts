/**
 * `cam`: class activation maps (Zhou et al. 2016) of an input.
 *   cam <preset | architecture flags> --weights FILE (--input FILE.bin --shape N,C,H,W | --image FILE)
 *       [--class K] --out FILE.bin [--backend cpu|wasm]
 * CAM_c(h, w) = sum_k fc.weight[c, k] * A_k(h, w), A the last stage's output (after its final ReLU): no
 * bias, no upsampling, float32 [N, H', W'], for class K or else each sample's top-1 class. Exact only
 * for networks that end in global average pooling + fc (every network here with its head); a network
 * without its head is refused. The engine computes them as for the app's Explain view.
 */
import { camHead } from '../model/explain.ts';
import { classNames } from '../model/classes.ts';
import { UsageError, flagString, type ParsedArgs } from './args.ts';
import { asUsage, loadNetwork, readNetworkRun, writeOutput } from './network.ts';

export async function runCam(args: ParsedArgs): Promise<string> {
  const classText = flagString(args, 'class');
  if (classText !== undefined && !/^\d+$/.test(classText.trim())) throw new UsageError(`--class must be a class index 0, 1, 2, ...; got "${classText.slice(0, 40)}"`);
  const run = readNetworkRun('cam', args, { weightsNote: '', out: 'always' });
  const { engine, weights } = await loadNetwork(run);
  try {
    const head = asUsage(() => camHead(engine.network!.graph));
    const fixed = classText === undefined ? null : Number(classText);
    if (fixed !== null && fixed >= head.classes) throw new UsageError(`--class ${fixed} is out of range: this network has ${head.classes} classes (0..${head.classes - 1})`);
    const t0 = performance.now();
    // The overview runs under the finite guard and holds each sample's top-1 CAM; another class is asked for after it.
    const overview = await engine.explainInput(run.x, run.shape, 1);
    const r = fixed === null ? overview.cam! : await engine.explainCam(Array.from({ length: run.shape[0] }, () => [fixed]));
    const ms = performance.now() - t0;
    const [n, , h, w] = r.shape;
    writeOutput(run, r.maps, 'the class activation maps');
    const names = weights.classes ? classNames(weights.classes) : null;
    const label = (c: number) => `${c}${names ? ` (${names[c]})` : ''}`;
    const which = fixed !== null ? `class ${label(fixed)}` : `top-1 class${n > 1 ? 'es' : ''} ${r.classes.map((c) => label(c[0])).join(', ')}`;
    return `wrote CAM [${n}, ${h}, ${w}] float32 of ${run.inputName} to ${run.out} (${r.layer} x fc.weight, ${which}; ${run.backend}, ${ms.toFixed(0)} ms)\n`;
  } finally {
    engine.unloadWeights();
  }
}
