/**
 * How each box of the Graph view looks: its fill on the colour scale the user picked (a log scale over
 * the values of the boxes shown, frames left out), the text colour that reads on it, its words and the
 * value written on it. The values of every box are summed at once (numbers only: the scale needs them);
 * the words are made when a box is drawn and kept per tree and language.
 */
import { interpolateYlOrRd, rgb, scaleSequentialLog } from 'd3';
import type { GraphTree } from './graphTree.ts';
import type { GraphLayout, LayoutBox } from './graphLayout.ts';
import { itemValue, type Measure, type NodeFigures, type NodeTimes } from './graphFigures.ts';
import { boxText, measureText, type BoxText } from './graphLabels.ts';
import type { Translator } from './i18n/translator.ts';

/** The colour scale's range: light for little, dark for much (the ends of YlOrRd left out: too pale, too dark for text). */
export const interpolate = (t: number): string => interpolateYlOrRd(0.1 + 0.8 * t);

/** Text colour that reads on a fill: dark on light, light on dark. */
function inkOn(fill: string): string {
  const c = rgb(fill);
  const lum = (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) / 255;
  return lum > 0.55 ? '#17202c' : '#ffffff';
}

export interface Scale {
  measure: Measure;
  low: number;
  high: number;
  colour: (v: number) => string;
}

export interface BoxLook {
  text: BoxText;
  /** The value of the measure, written on the box; empty for none. */
  value: string;
  /** Fill from the colour scale, and the text colour that reads on it; null: no value (neutral). */
  fill: string | null;
  ink: string | null;
}

/** Words of boxes already drawn, by id and shape: one cache per tree and language. */
export type TextCache = Map<string, BoxText>;

export function boxLooks(
  i18n: Translator, tree: GraphTree, layout: GraphLayout, measure: Measure, figures: NodeFigures, times: NodeTimes | null, texts: TextCache,
): { look: (box: LayoutBox) => BoxLook; scale: Scale | null } {
  const values = new Map<string, number | null>();
  let low = Infinity;
  let high = 0;
  for (const b of layout.boxes) {
    if (!b.item) continue;
    const v = itemValue(b.item, measure, figures, times);
    values.set(b.id, v);
    if (b.shape !== 'frame' && v !== null && v > 0) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  let scale: Scale | null = null;
  if (high > 0) {
    const s = scaleSequentialLog(interpolate).domain(low === high ? [low / 2, high] : [low, high]);
    scale = { measure, low, high, colour: (v) => s(v) };
  }
  const looks = new Map<string, BoxLook>();
  const look = (b: LayoutBox): BoxLook => {
    let l = looks.get(b.id);
    if (l) return l;
    const key = `${b.id}|${b.shape}`;
    let text = texts.get(key);
    if (!text) texts.set(key, (text = boxText(i18n, tree.graph, b)));
    const v = values.get(b.id) ?? null;
    const fill = scale && v !== null && v > 0 && b.shape !== 'frame' ? scale.colour(v) : null;
    l = { text, value: v !== null && v > 0 ? measureText(measure, v) : '', fill, ink: fill ? inkOn(fill) : null };
    looks.set(b.id, l);
    return l;
  };
  return { look, scale };
}
