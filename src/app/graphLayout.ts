/**
 * Geometry of the Graph view: where each visible item of the tree (graphTree.ts) is drawn and the path
 * of each edge. Data flows top to bottom along one spine: an open stage stacks its blocks, an open block
 * puts its residual branch on the spine, its shortcut in a column to the right and the residual sum and
 * what follows it back on the spine, an open module (SE, ECA) frames its calls, and an open grouped conv
 * draws its C paths side by side (thin bars with a count when there are many). An edge that would cross
 * a drawn box goes around it on the right. Pure: numbers in, numbers out (the view renders them).
 */
import { treeEdges, type GraphTree, type TreeItem } from './graphTree.ts';

/** Sizes in SVG user units (CSS pixels at zoom 1). */
export const SIZES = {
  boxW: 224,
  boxH: 40,
  /** Vertical gap between consecutive items: room for the tensor shape on the edge. */
  gap: 26,
  /** An open group's frame: header line, side and bottom padding. */
  head: 24,
  padX: 18,
  padBottom: 12,
  /** Between the residual branch and the shortcut column of an open block. */
  columnGap: 56,
  /** Room to the right of a block without a shortcut module, for the identity shortcut's edge. */
  identityLane: 22,
  /** An open grouped conv. */
  pathsW: 300,
  pathsH: 84,
  /** Terminals (input, output). */
  terminalH: 28,
  margin: 16,
} as const;

/** Paths drawn one by one up to this many; beyond, the first and last few with a gap between. */
const MAX_DRAWN_PATHS = 64;
const HEAD_PATHS = 24;
const TAIL_PATHS = 8;
/** Inside an open grouped conv: where its path bars start and their height (a header line above, fans and a caption around). */
const PATHS_TOP = 32;
const PATHS_BAR = 20;

interface PathMark {
  /** 0-based path index. */
  index: number;
  x: number;
  w: number;
}

export interface LayoutBox {
  /** Tree id, or `@input` / `@output` for the terminals. */
  id: string;
  item: TreeItem | null;
  x: number;
  y: number;
  w: number;
  h: number;
  /** `box`: a collapsed group or a layer; `frame`: an open group around its children; `paths`: an open grouped conv. */
  shape: 'box' | 'frame' | 'paths' | 'terminal';
  /** An open grouped conv's drawn paths (absolute x), and the gap's x where some are left out. */
  paths?: { marks: PathMark[]; gapX: number | null; y: number; h: number };
}

export interface LayoutEdge {
  id: string;
  from: string;
  to: string;
  /** The producing node (-1: the network input); its output shape labels the edge. */
  node: number;
  /** SVG path data. */
  d: string;
  /** Where the shape label goes (its left end, text baseline), and whether this edge carries it. */
  labelX: number;
  labelY: number;
  label: boolean;
}

export interface GraphLayout {
  boxes: LayoutBox[];
  edges: LayoutEdge[];
  byId: ReadonlyMap<string, LayoutBox>;
  width: number;
  height: number;
}

/** A laid-out part: its size, its spine, and its boxes as the range [from, to) of the one output array. */
interface Sub {
  w: number;
  h: number;
  /** x of the spine (where data enters and leaves) from the left edge. */
  spine: number;
  from: number;
  to: number;
}

/** Moves the boxes of [from, to) (each box moves once per enclosing part: no copies). */
function shift(out: LayoutBox[], from: number, to: number, dx: number, dy: number): void {
  for (let i = from; i < to; i++) {
    const b = out[i];
    b.x += dx;
    b.y += dy;
    if (b.paths) {
      b.paths.y += dy;
      for (const m of b.paths.marks) m.x += dx;
      if (b.paths.gapX !== null) b.paths.gapX += dx;
    }
  }
}

/** The drawn paths of an open grouped conv inside a box of width `w`: all of them, or the first and last with a gap. */
export function pathMarks(count: number, x: number, w: number): { marks: PathMark[]; gapX: number | null } {
  const inner = w - 16;
  const left = x + 8;
  const shown = count <= MAX_DRAWN_PATHS
    ? Array.from({ length: count }, (_, i) => i)
    : [...Array.from({ length: HEAD_PATHS }, (_, i) => i), ...Array.from({ length: TAIL_PATHS }, (_, i) => count - TAIL_PATHS + i)];
  const gapSlots = count <= MAX_DRAWN_PATHS ? 0 : 3;
  const slot = inner / (shown.length + gapSlots);
  const width = Math.max(1, Math.min(slot - (slot >= 6 ? 2 : 1), 40));
  const marks: PathMark[] = [];
  let gapX: number | null = null;
  shown.forEach((index, k) => {
    const s = k >= HEAD_PATHS && gapSlots > 0 ? k + gapSlots : k;
    if (k === HEAD_PATHS && gapSlots > 0) gapX = left + (HEAD_PATHS + gapSlots / 2) * slot;
    marks.push({ index, x: left + s * slot + (slot - width) / 2, w: width });
  });
  return { marks, gapX };
}

function one(out: LayoutBox[], box: LayoutBox, spine: number): Sub {
  out.push(box);
  return { w: box.w, h: box.h, spine, from: out.length - 1, to: out.length };
}

function leaf(out: LayoutBox[], item: TreeItem, expanded: ReadonlySet<string>): Sub {
  if (item.paths > 1 && expanded.has(item.id)) {
    const w = SIZES.pathsW;
    const { marks, gapX } = pathMarks(item.paths, 0, w);
    return one(out, { id: item.id, item, x: 0, y: 0, w, h: SIZES.pathsH, shape: 'paths', paths: { marks, gapX, y: PATHS_TOP, h: PATHS_BAR } }, w / 2);
  }
  return one(out, { id: item.id, item, x: 0, y: 0, w: SIZES.boxW, h: SIZES.boxH, shape: 'box' }, SIZES.boxW / 2);
}

/** Parts laid out one after the other (contiguous in `out`), stacked top to bottom on one spine. */
function column(out: LayoutBox[], subs: Sub[]): Sub {
  if (subs.length === 0) return { w: 0, h: 0, spine: 0, from: out.length, to: out.length };
  let spine = 0;
  for (const s of subs) spine = Math.max(spine, s.spine);
  let y = 0;
  let w = 0;
  subs.forEach((s, i) => {
    if (i > 0) y += SIZES.gap;
    const dx = spine - s.spine;
    shift(out, s.from, s.to, dx, y);
    y += s.h;
    w = Math.max(w, dx + s.w);
  });
  return { w, h: y, spine, from: subs[0].from, to: subs[subs.length - 1].to };
}

/** An open block: branch on the spine, shortcut to its right, the sum and what follows under the branch. */
function blockContent(out: LayoutBox[], children: TreeItem[], expanded: ReadonlySet<string>): Sub {
  const from = out.length;
  const lay = (lane: TreeItem['lane']) => column(out, children.filter((c) => c.lane === lane).map((c) => layoutItem(out, c, expanded)));
  const branch = lay('branch');
  const short = lay('shortcut');
  const merge = lay('merge');
  let topW = branch.w + SIZES.identityLane;
  if (short.to > short.from) {
    const sx = branch.w + SIZES.columnGap;
    shift(out, short.from, short.to, sx, 0);
    topW = sx + short.w;
  }
  const topH = Math.max(branch.h, short.h);
  let dx = branch.spine - merge.spine;
  let spine = branch.spine;
  if (dx < 0) {
    shift(out, from, merge.from, -dx, 0);
    spine -= dx;
    topW -= dx;
    dx = 0;
  }
  shift(out, merge.from, merge.to, dx, topH + SIZES.gap);
  return { w: Math.max(topW, dx + merge.w), h: topH + (merge.to > merge.from ? SIZES.gap + merge.h : 0), spine, from, to: out.length };
}

function layoutItem(out: LayoutBox[], item: TreeItem, expanded: ReadonlySet<string>): Sub {
  if (item.children.length === 0 || !expanded.has(item.id)) return leaf(out, item, expanded);
  // The frame comes before its children (drawing and keyboard order); its size is known after them.
  const frame: LayoutBox = { id: item.id, item, x: 0, y: 0, w: 0, h: 0, shape: 'frame' };
  out.push(frame);
  const from = out.length - 1;
  const content = item.kind === 'block' ? blockContent(out, item.children, expanded) : column(out, item.children.map((c) => layoutItem(out, c, expanded)));
  shift(out, from + 1, out.length, SIZES.padX, SIZES.head);
  frame.w = Math.max(content.w + 2 * SIZES.padX, SIZES.boxW);
  frame.h = SIZES.head + content.h + SIZES.padBottom;
  return { w: frame.w, h: frame.h, spine: SIZES.padX + content.spine, from, to: out.length };
}

function terminal(out: LayoutBox[], id: '@input' | '@output'): Sub {
  return one(out, { id, item: null, x: 0, y: 0, w: SIZES.boxW, h: SIZES.terminalH, shape: 'terminal' }, SIZES.boxW / 2);
}

/** The boxes an edge may have to go around: leaves sorted by top, and the frames. */
interface Obstacles {
  leaves: LayoutBox[];
  frames: LayoutBox[];
  tallest: number;
}

function obstaclesOf(boxes: readonly LayoutBox[]): Obstacles {
  const leaves = boxes.filter((b) => b.shape !== 'frame').sort((p, q) => p.y - q.y);
  return { leaves, frames: boxes.filter((b) => b.shape === 'frame'), tallest: Math.max(0, ...leaves.map((b) => b.h)) };
}

/** The first index whose box starts at or below y. */
function lowerBound(sorted: readonly LayoutBox[], y: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].y < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function contains(frame: LayoutBox, item: TreeItem | null): boolean {
  for (let p = item; p; p = p.parent) if (p === frame.item) return true;
  return false;
}

/**
 * The path of an edge from the bottom of `a` to the top of `b`: a straight line or an S-curve, or,
 * where a box other than the ends (and the frames around them) stands in between, down a lane to the
 * right of every such box.
 */
function route(a: LayoutBox, b: LayoutBox, obstacles: Obstacles): { d: string; labelX: number; labelY: number } {
  const x1 = a.x + a.w / 2;
  const y1 = a.y + a.h;
  const x2 = b.x + b.w / 2;
  const y2 = b.y;
  const lo = Math.min(x1, x2) - 4;
  const hi = Math.max(x1, x2) + 4;
  let right = -Infinity;
  const blocks = (o: LayoutBox) => o !== a && o !== b && o.y < y2 && o.y + o.h > y1 && o.x < hi && o.x + o.w > lo;
  // Leaves sorted by top: start at the first that may reach below y1.
  const { leaves, frames, tallest } = obstacles;
  let k = lowerBound(leaves, y1 - tallest);
  for (; k < leaves.length && leaves[k].y < y2; k++) if (blocks(leaves[k])) right = Math.max(right, leaves[k].x + leaves[k].w);
  for (const o of frames) {
    if (!blocks(o) || contains(o, a.item) || contains(o, b.item)) continue;
    right = Math.max(right, o.x + o.w);
  }
  const mid = (y1 + y2) / 2;
  // The shape goes just under the source, in the gap every box has below it (clear of frame headers).
  const labelY = y1 + 13;
  if (right === -Infinity) {
    const d = x1 === x2 ? `M${x1},${y1} L${x2},${y2}` : `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
    return { d, labelX: x1 + 6, labelY };
  }
  const lane = Math.max(right + 10, x1);
  const r = Math.min(16, (y2 - y1) / 4);
  const d = `M${x1},${y1} C${x1},${y1 + r} ${lane},${y1} ${lane},${y1 + r * 2} L${lane},${y2 - r * 2} C${lane},${y2} ${x2},${y2 - r} ${x2},${y2}`;
  return { d, labelX: x1 + 6, labelY };
}

/** The whole drawing for a tree at an expansion. */
export function layoutGraph(tree: GraphTree, expanded: ReadonlySet<string>): GraphLayout {
  const boxes: LayoutBox[] = [];
  const parts = [terminal(boxes, '@input')];
  for (const r of tree.roots) parts.push(layoutItem(boxes, r, expanded));
  parts.push(terminal(boxes, '@output'));
  const top = column(boxes, parts);
  shift(boxes, 0, boxes.length, SIZES.margin, SIZES.margin);
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const edges: LayoutEdge[] = [];
  const obstacles = obstaclesOf(boxes);
  const labelled = new Set<number>();
  for (const e of treeEdges(tree, expanded)) {
    const from = e.from?.id ?? '@input';
    const to = e.to?.id ?? '@output';
    const a = byId.get(from)!;
    const b = byId.get(to)!;
    const r = route(a, b, obstacles);
    // One label per tensor leaving a box (a block's input feeds its branch and its shortcut).
    const tensor = ((e.from?.seq ?? -1) + 1) * 10_000_000 + e.node + 1;
    const label = !labelled.has(tensor);
    labelled.add(tensor);
    edges.push({ id: `${from}>${to}`, from, to, node: e.node, d: r.d, labelX: r.labelX, labelY: r.labelY, label });
  }
  return { boxes, edges, byId, width: top.w + 2 * SIZES.margin + 60, height: top.h + 2 * SIZES.margin };
}
