/**
 * The app's own Cost view as a measuring instrument, for the benches (bench/cost.ts, bench/predict.ts): the
 * production build served by `vite preview`, headless Chromium, "This browser" on tfjs wasm, then "Measure"
 * times every op of a network; measured and predicted per layer and per stage are read from the view.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';

const log = (s: string) => process.stderr.write(s + '\n');

/**
 * Builds the app (`vite build`, with `--mode` where given: `e2e` adds the engine harness page) and serves it with
 * `vite preview` on `port`; returns once `page` answers.
 */
export async function startPreview(port: number, { mode, page = '/' }: { mode?: string; page?: string } = {}): Promise<ChildProcess> {
  const modeArgs = mode ? ['--mode', mode] : [];
  log(`building the app (${['vite build', ...modeArgs].join(' ')}) ...`);
  const b = spawnSync('npx', ['vite', 'build', ...modeArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) throw new Error('vite build failed');
  const p = spawn('npx', ['vite', 'preview', ...modeArgs, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${page}`)).ok) return p;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('vite preview did not start');
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined,
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

interface StageRow { stage: string; measured: number; predicted: number }
interface LayerRow { layer: string; kind: string; measured: number; predicted: number }

/** Opens the Cost view on "This browser" (wasm) for `query`, measures, and reads the view's tables. */
export async function measureInView(page: Page, port: number, query: string): Promise<{ speed: string; stages: StageRow[]; layers: LayerRow[]; shown: number }> {
  await page.goto(`http://127.0.0.1:${port}/?view=cost&device=browser&backend=wasm&batch=1&${query}`);
  await page.getByTestId('conv-gflops').waitFor({ timeout: 180_000 });
  const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? '';
  const speed = `dense convs ${await text('conv-gflops')}, grouped ${await text('grouped-gflops')}, memory-bound ${await text('copy-gbs')}, ${await text('launch-us')} per op, ${await text('chain-us')} more per conv in a network`;
  await page.getByRole('button', { name: 'Measure', exact: true }).click();
  await page.getByTestId('rank-correlation').waitFor({ timeout: 600_000 });
  const read = (table: string) => page.locator(`table[aria-label="${table}"] tbody tr`).evaluateAll((rows) =>
    rows.map((r) => ({ ...(r as HTMLElement).dataset })));
  const stages = (await read('Measured vs predicted per stage')).map((d) => ({ stage: d.stage!, measured: Number(d.measuredMs), predicted: Number(d.predictedMs) }));
  const layers = (await read('Measured vs predicted per layer')).map((d) => ({ layer: d.layer!, kind: d.kind!, measured: Number(d.measuredMs), predicted: Number(d.predictedMs) }));
  const shown = Number(await page.getByTestId('rank-correlation').textContent());
  return { speed, stages, layers, shown };
}
