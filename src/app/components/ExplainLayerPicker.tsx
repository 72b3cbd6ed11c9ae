/**
 * Stage, Block and Layer pickers over the names an output can be asked for by (`tapTargets`): the
 * stem, then each residual stage's blocks, each block's module calls in execution order (the stage's
 * output with its last block). Only outputs with channels (C x H x W) are offered; the head's vectors
 * are the top-5 and the class activation maps.
 */
import type { TapTarget } from '../../model/explain.ts';
import type { LayerGraph } from '../../model/graph.ts';
import { useI18n } from '../i18n/I18n.tsx';
import type { Translator } from '../i18n/translator.ts';

interface BlockChoice { key: string; label: string; layers: TapTarget[] }
interface StageChoice { stage: number; label: string; blocks: BlockChoice[] }

export function pickerTree(graph: LayerGraph, targets: readonly TapTarget[]): StageChoice[] {
  const spatial = targets.filter((t) => t.outShape.length === 3 && !(t.what === 'functional' && graph.nodes[t.node].kind === 'mul'));
  const out: StageChoice[] = [{ stage: 0, label: 'stem', blocks: [{ key: 'stem', label: 'stem', layers: spatial.filter((t) => t.stage === 0) }] }];
  for (const info of graph.stages.slice(1)) {
    const blocks: BlockChoice[] = [];
    for (let b = 0; b < info.blocks; b++) {
      const layers = spatial.filter((t) => t.stage === info.index && t.block === b && t.name !== info.module);
      if (b === info.blocks - 1) layers.push(...spatial.filter((t) => t.name === info.module));
      blocks.push({ key: `${info.module}.${b}`, label: `${info.module}.${b}`, layers });
    }
    out.push({ stage: info.index, label: `${info.module} (${info.paperName})`, blocks });
  }
  return out;
}

/** Where a target sits in the tree: [stage index in the tree, block index, layer index]. */
export function locate(tree: readonly StageChoice[], name: string): [number, number, number] | null {
  for (let s = 0; s < tree.length; s++) {
    for (let b = 0; b < tree[s].blocks.length; b++) {
      const l = tree[s].blocks[b].layers.findIndex((t) => t.name === name);
      if (l >= 0) return [s, b, l];
    }
  }
  return null;
}

function layerLabel({ t: tr }: Translator, t: TapTarget, block: string): string {
  const short = t.name.startsWith(`${block}.`) ? t.name.slice(block.length + 1) : t.name;
  const kind = t.what === 'container' ? (t.block === null && t.stage > 0 ? tr('xp.stageOutput') : t.module === 'Sequential' ? 'Sequential' : t.module) : t.module ?? 'op';
  return `${short} · ${kind} → ${t.outShape.join('×')}`;
}

export function ExplainLayerPicker({ tree, selected, onSelect }: { tree: StageChoice[]; selected: string; onSelect: (name: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const label = (text: string) => (text === 'stem' ? t('xp.stem') : text);
  const at = locate(tree, selected) ?? [0, 0, 0];
  const [s, b] = at;
  const stage = tree[s];
  const block = stage.blocks[b];
  // Moving to another stage or block keeps the same kind of layer where it exists (conv2 -> conv2).
  const sameKind = (to: BlockChoice): string => {
    const suffix = selected.slice(block.key === 'stem' ? 0 : block.key.length);
    return to.layers.find((t) => t.name === `${to.key}${suffix}`)?.name ?? to.layers[0]?.name ?? selected;
  };
  return (
    <div className="toolbar xp-picker">
      <div className="field">
        <label htmlFor="xp-stage">{t('xp.stage')}</label>
        <select id="xp-stage" value={s} onChange={(e) => onSelect(sameKind(tree[Number(e.target.value)].blocks[0]))}>
          {tree.map((st, i) => <option key={st.label} value={i}>{label(st.label)}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="xp-block">{t('xp.block')}</label>
        <select id="xp-block" value={b} disabled={stage.blocks.length < 2} onChange={(e) => onSelect(sameKind(stage.blocks[Number(e.target.value)]))}>
          {stage.blocks.map((bl, i) => <option key={bl.key} value={i}>{label(bl.label)}</option>)}
        </select>
      </div>
      <div className="field xp-layer-field">
        <label htmlFor="xp-layer">{t('xp.layer')}</label>
        <select id="xp-layer" value={selected} onChange={(e) => onSelect(e.target.value)}>
          {block.layers.map((x) => <option key={x.name} value={x.name}>{layerLabel(i18n, x, block.key)}</option>)}
        </select>
      </div>
    </div>
  );
}
