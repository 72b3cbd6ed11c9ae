/**
 * ResNeXt Lab command line: `npm run --silent cli -- <command> ...`. The same engine as the app.
 * User errors print one line (`error: ...`) and exit with status 2; no stack traces.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summaryCommand, tableCommand, solveCommand, compareCommand } from './commands.ts';
import { codeCommand } from './formats.ts';
import { costCommand } from './cost.ts';

const USAGE = `usage: npm run --silent cli -- <command> [options]

commands:
  summary <preset> [--input 3x224x224] [--classes N] [--order seed|torchvision]
          [--convention paper|fvcore|thop|ptflops] [--json]
      torchsummary 1.5.1's printout of the model (default order: the seed code's, shortcut first)
  summary <preset> --format torchinfo [--depth 3] [--columns output_size,num_params] [--batch 1]
          [--row-settings depth,var_names,ascii_only,hide_recursive_layers]
      torchinfo 1.8.0's printout; columns: input_size, output_size, num_params, params_percent,
      kernel_size, groups, mult_adds, trainable
  table <preset> [--convention ...] [--json]      the paper's Table 1 for the model
  solve --depth 50 --cardinality 8 [--json]      width d that preserves complexity (paper Table 2)
  compare <preset> <preset> [...] [--json]       per-stage params and MACs side by side
  (summary, table and compare: --format markdown prints GitHub-flavoured Markdown tables)
  code <preset> [--framework torchvision|timm]    a runnable PyTorch snippet that builds the network
  cost <preset> [--batch N] [--dtype float32|float16|bfloat16] [--optimizer none|sgd|momentum|adam]
          [--device NAME] [--json]                activations, memory traffic, training / inference memory,
                                                 roofline time per kernel on a device (default batch 32,
                                                 float32, momentum, v100)
  predict <preset> --weights FILE (--input FILE.bin --shape N,3,H,W --out FILE.bin | --image FILE)
          [--pretrained TAG] [--backend cpu|wasm] run the network with real weights (TAG: a catalogue
                                                 entry: its network, preprocessing and class names)
  preprocess --image FILE (--pretrained TAG | --size 224 [--crop-pct 0.875] [--interpolation bilinear|bicubic]
          [--crop-mode center|squash|border] [--mean a,b,c] [--std a,b,c]) --out x.bin
      the float32 NCHW tensor a checkpoint's evaluation transform makes of an image (as timm / torchvision)
  pretrained [--json]                            the pretrained weights catalogue
  features <preset> --weights FILE (--input FILE.bin --shape N,C,H,W | --image FILE) --layer NAME --out FILE.bin
                                                 one layer's output (float32 NCHW), as PyTorch's forward hook returns it
  cam <preset> --weights FILE (--input FILE.bin --shape N,C,H,W | --image FILE) [--class K] --out FILE.bin
                                                 class activation maps (float32 [N, H', W']) of class K or each top-1
  (predict, preprocess, features, cam: --image reads PNG and JPEG (the app also reads GIF, WebP and BMP);
   --exif-orientation ignore|apply: a photo's EXIF orientation is ignored by default, as Pillow and
   PyTorch read it, and applied (the image turned upright) with apply; --out is never one of the inputs)

Instead of a preset, describe the network with flags:
  --block bottleneck|basic --depths 3,4,6,3 --cardinality 32 --width 4 [--base-width 64]
  [--stem imagenet|deep|deep_tiered|cifar] [--stem-width 32] [--avg-down] [--attn none|se|eca]
  [--implementation torchvision|timm] [--input CxHxW] [--classes N] [--no-top]
  (a deep stem, --avg-down or --attn se|eca selects timm's modules unless --implementation says otherwise)
`;

async function run(argv: string[]): Promise<string> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'summary':
      return summaryCommand(rest);
    case 'table':
      return tableCommand(rest);
    case 'solve':
      return solveCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'code':
      return codeCommand(rest);
    case 'cost':
      return costCommand(rest);
    case 'predict': {
      const { runPredict } = await import('./predict.ts');
      await runPredict(rest);
      return '';
    }
    case 'preprocess': {
      const { runPreprocess } = await import('./preprocess.ts');
      return runPreprocess(rest);
    }
    case 'pretrained': {
      const { runPretrained } = await import('./preprocess.ts');
      return runPretrained(rest);
    }
    case 'features': {
      const { runFeatures } = await import('./features.ts');
      await runFeatures(rest);
      return '';
    }
    case 'cam': {
      const { runCam } = await import('./cam.ts');
      await runCam(rest);
      return '';
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return USAGE;
    default:
      throw new Error(`unknown command "${command}"; commands: summary, table, solve, compare, code, cost, predict, preprocess, pretrained, features, cam (see --help)`);
  }
}

/**
 * Runs one command line (the words after `npm run --silent cli --`), writing its output to stdout and a user
 * error as one line to stderr; resolves to the exit status (0, or 2 for bad input).
 */
export async function main(argv: string[]): Promise<number> {
  try {
    process.stdout.write(await run(argv));
    return 0;
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message.split('\n').join(' ')}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
