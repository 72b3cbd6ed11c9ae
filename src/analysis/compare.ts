/**
 * Side-by-side comparison of two or more configs: per-stage and total params / MACs, with deltas
 * against the first.
 */
import type { NetworkConfig } from '../model/config.ts';
import { analyze, type Analysis } from './analyze.ts';
import type { Convention } from './conventions.ts';

interface CompareEntry {
  label: string;
  analysis: Analysis;
  /** Differences to the first entry (0 for the first). */
  deltaParams: number;
  deltaMacs: number;
}

export interface Comparison {
  entries: CompareEntry[];
  /** Stage modules in order, the union over the entries (conv1, layer1.., head). */
  stages: string[];
  convention: Convention;
}

export function compare(items: { label: string; config: NetworkConfig }[], convention: Convention = 'paper'): Comparison {
  if (items.length < 2) throw new Error('compare needs at least two configs');
  const analyses = items.map((it) => analyze(it.config, { convention }));
  const base = analyses[0];
  const stages: string[] = [];
  for (const a of analyses) for (const s of a.stages) if (!stages.includes(s.module)) stages.push(s.module);
  const order = (m: string) => (m === 'conv1' ? 0 : m === 'head' ? 1e9 : Number(m.slice(5)));
  stages.sort((a, b) => order(a) - order(b));
  return {
    convention,
    stages,
    entries: analyses.map((analysis, i) => ({
      label: items[i].label,
      analysis,
      deltaParams: analysis.params - base.params,
      deltaMacs: analysis.macs - base.macs,
    })),
  };
}

/** Params and MACs of one stage module in an analysis (0 when the network has no such stage). */
export function stageOf(analysis: Analysis, module: string): { params: number; macs: number } {
  const s = analysis.stages.find((x) => x.module === module);
  return { params: s?.params ?? 0, macs: s?.macs ?? 0 };
}
