/**
 * The layer list as displayed rows: stage and block headers with their sums, folded to a detail
 * level (torchinfo's depth) with per-group toggles, or a flat filtered list. Pure, unit-tested.
 */
import { stageDepths } from '../model/config.ts';
import type { LayerGraph } from '../model/graph.ts';
import type { Summary, SummaryRow } from '../analysis/summary.ts';
import type { Detail } from './state.ts';
import type { Message } from '../model/message.ts';
import { appMessage } from './i18n/translator.ts';

/** A group row's name and description: English text, and the messages the view translates. */
interface GroupText {
  label: string;
  detail: string;
  labelMessage: Message;
  detailMessage: Message;
}

export type LayerItem =
  | ({ kind: 'stage'; id: string; depth: 0; params: number; macs: number; rows: number; expanded: boolean } & GroupText)
  | ({ kind: 'block'; id: string; depth: 1; params: number; macs: number; rows: number; expanded: boolean } & GroupText)
  | { kind: 'row'; id: string; depth: number; row: SummaryRow };

interface Group extends GroupText {
  id: string;
  rows: SummaryRow[];
  blocks: ({ id: string; rows: SummaryRow[] } & GroupText)[];
}

function text(labelMessage: Message, detailMessage: Message): GroupText {
  return { label: labelMessage.text, detail: detailMessage.text, labelMessage, detailMessage };
}

function sum(rows: SummaryRow[], key: 'params' | 'macs'): number {
  return rows.reduce((a, r) => a + r[key], 0);
}

/** The stages of a summary: stem, layer1.., head, each with its blocks. One pass over the rows. */
function groupRows(graph: LayerGraph, summary: Summary): Group[] {
  const depths = stageDepths(graph.config);
  const s = depths.length;
  const byStage: SummaryRow[][] = Array.from({ length: s + 2 }, () => []);
  const byBlock: SummaryRow[][][] = depths.map((d) => Array.from({ length: d }, () => []));
  for (const r of summary.rows) {
    byStage[r.stage].push(r);
    if (r.stage >= 1 && r.stage <= s && r.block !== null) byBlock[r.stage - 1][r.block].push(r);
  }
  const groups: Group[] = [];
  for (let i = 0; i <= s + 1; i++) {
    const rows = byStage[i];
    if (rows.length === 0) continue;
    const info = graph.stages[i];
    const group: Group = {
      id: `s${i}`,
      ...text(
        i === 0 ? appMessage('layers.stemGroup') : i <= s ? appMessage('layers.stageGroup', { module: info.module, paper: info.paperName }) : appMessage('layers.headGroup'),
        i === 0 ? appMessage('layers.stemDetail', { stem: graph.config.stem }) : i <= s ? appMessage('layers.blocksDetail', { count: info.blocks }) : appMessage('layers.headDetail'),
      ),
      rows,
      blocks: [],
    };
    if (i >= 1 && i <= s) {
      byBlock[i - 1].forEach((blockRows, b) => {
        const marker = blockRows[blockRows.length - 1];
        group.blocks.push({
          id: `s${i}b${b}`,
          ...text(appMessage('layers.blockGroup', { module: `${info.module}.${b}` }), appMessage('layers.blockDetail', { type: marker.type })),
          rows: blockRows,
        });
      });
    }
    groups.push(group);
  }
  return groups;
}

export function defaultExpanded(kind: 'stage' | 'block', detail: Detail): boolean {
  if (detail === 'layers') return true;
  if (detail === 'blocks') return kind === 'stage';
  return false;
}

/** Lowercased substring match on the torchsummary key, the module path and the type. */
function matches(row: SummaryRow, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (f === '') return true;
  return row.key.toLowerCase().includes(f) || row.name.toLowerCase().includes(f) || row.type.toLowerCase().includes(f);
}

/**
 * Displayed rows. `toggled` holds the ids of groups whose expansion differs from the detail level's
 * default. With a filter, a flat list of the matching rows.
 */
export function layerItems(graph: LayerGraph, summary: Summary, detail: Detail, toggled: ReadonlySet<string>, filter: string): LayerItem[] {
  if (filter.trim() !== '') {
    return summary.rows.filter((r) => matches(r, filter)).map((row) => ({ kind: 'row', id: row.key, depth: 0, row }));
  }
  const items: LayerItem[] = [];
  for (const g of groupRows(graph, summary)) {
    const open = defaultExpanded('stage', detail) !== toggled.has(g.id);
    items.push({ kind: 'stage', id: g.id, depth: 0, ...text(g.labelMessage, g.detailMessage), params: sum(g.rows, 'params'), macs: sum(g.rows, 'macs'), rows: g.rows.length, expanded: open });
    if (!open) continue;
    if (g.blocks.length === 0) {
      for (const row of g.rows) items.push({ kind: 'row', id: row.key, depth: 1, row });
      continue;
    }
    for (const b of g.blocks) {
      const bOpen = defaultExpanded('block', detail) !== toggled.has(b.id);
      items.push({ kind: 'block', id: b.id, depth: 1, ...text(b.labelMessage, b.detailMessage), params: sum(b.rows, 'params'), macs: sum(b.rows, 'macs'), rows: b.rows.length, expanded: bOpen });
      if (bOpen) for (const row of b.rows) items.push({ kind: 'row', id: row.key, depth: 2, row });
    }
  }
  return items;
}
