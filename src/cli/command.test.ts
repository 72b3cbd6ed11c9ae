import { describe, expect, it } from 'vitest';
import { flagsOf } from './args.ts';
import { commandUsage, usageText } from './command.ts';
import { COMMANDS, run } from './main.ts';

describe('the CLI\'s commands as descriptors', () => {
  it('name every flag of every command in its usage, and every command in the whole usage', () => {
    const all = usageText(COMMANDS);
    for (const c of COMMANDS) {
      const own = commandUsage(c);
      for (const f of flagsOf(c.flags)) {
        expect(own, `${c.name} --${f.name}`).toMatch(new RegExp(`--${f.name}\\b`));
        expect(all, `${c.name} --${f.name}`).toMatch(new RegExp(`--${f.name}\\b`));
      }
      expect(all).toContain(`\n  ${c.name} `);
    }
    expect(commandUsage(COMMANDS.find((c) => c.name === 'predict')!)).toContain('[--topk N]');
    expect(commandUsage(COMMANDS.find((c) => c.name === 'features')!)).toContain('[--backend cpu|wasm]');
    expect(all.split('\n').filter((l) => l.length > 110)).toEqual([]);
  });

  it('dispatch by name, and say which commands and flags there are', async () => {
    await expect(run(['frobnicate'])).rejects.toThrow(`unknown command "frobnicate"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see --help)`);
    await expect(run(['solve', '--width', '4'])).rejects.toThrow('unknown option --width; options here: --depth --cardinality --json');
    await expect(run(['pretrained', '--json=1'])).rejects.toThrow('--json takes no value');
    await expect(run(['cost', 'resnet50', '--batch'])).rejects.toThrow('--batch needs a value');
    expect(await run([])).toBe(usageText(COMMANDS));
    expect(await run(['help', 'cost'])).toBe(await run(['cost', '--help']));
    expect(await run(['cost', '--help'])).toContain('[--dtype float32|tf32|amp|float16|bfloat16] [--layout nchw|nhwc]');
    expect(await run(['solve', '--depth=50', '--cardinality', '8'])).toContain('bottleneck width d = 14');
  });
});
