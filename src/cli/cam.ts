/**
 * `cam`: class activation maps (Zhou et al. 2016) of an input.
 *   cam <preset | architecture flags> --weights FILE (--input FILE.bin --shape N,C,H,W | --image FILE)
 *       [--class K] --out FILE.bin [--backend cpu|wasm]
 * CAM_c(h, w) = sum_k fc.weight[c, k] * A_k(h, w), A the last stage's output (after its final ReLU): no
 * bias, no upsampling, float32 [N, H', W'], for class K or else each sample's top-1 class. Exact only
 * for networks that end in global average pooling + fc (every network here with its head); a network
 * without its head is refused.
 */
import { camHead } from '../model/explain.ts';
import { classActivationMaps, argmax } from '../model/tfjs/taps.ts';
import { classNames } from '../model/classes.ts';
import { CONFIG_FLAGS, UsageError, flagString, parseArgs } from './args.ts';
import { asUsage, INPUT_FLAGS, loadForExplain, startNetwork, writeOutput } from './features.ts';

export async function runCam(argv: string[]): Promise<void> {
  const args = parseArgs(argv, [...CONFIG_FLAGS, ...INPUT_FLAGS, 'class']);
  const classText = flagString(args, 'class');
  if (classText !== undefined && !/^\d+$/.test(classText.trim())) throw new UsageError(`--class must be a class index 0, 1, 2, ...; got "${classText.slice(0, 40)}"`);
  const loaded = loadForExplain('cam', args);
  const head = asUsage(() => camHead(loaded.graph));
  const fixed = classText === undefined ? null : Number(classText);
  if (fixed !== null && fixed >= head.classes) throw new UsageError(`--class ${fixed} is out of range: this network has ${head.classes} classes (0..${head.classes - 1})`);
  const net = await startNetwork(loaded);
  try {
    const t0 = performance.now();
    const r = await classActivationMaps(net, loaded.sd, loaded.x, loaded.shape, (logits) => [fixed ?? argmax(logits)]);
    const ms = performance.now() - t0;
    const [n, , h, w] = r.shape;
    writeOutput(loaded, r.maps, 'the class activation maps');
    const names = loaded.meta.classes ? classNames(loaded.meta.classes) : null;
    const label = (c: number) => `${c}${names ? ` (${names[c]})` : ''}`;
    const which = fixed !== null ? `class ${label(fixed)}` : `top-1 class${n > 1 ? 'es' : ''} ${r.classes.map((c) => label(c[0])).join(', ')}`;
    process.stdout.write(`wrote CAM [${n}, ${h}, ${w}] float32 of ${loaded.inputName} to ${loaded.out} (${r.layer} x fc.weight, ${which}; ${loaded.backend}, ${ms.toFixed(0)} ms)\n`);
  } finally {
    net.dispose();
  }
}
