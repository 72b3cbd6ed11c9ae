/**
 * One column of labels beside a chart (the Compare view's scatter of presets): each label as near the
 * height of its point as it can be, in the points' order, `line` apart, and never above `top` nor below
 * `bottom`. The biggest networks cluster at the top of the plot, so pushing labels down from the top and
 * then moving the column up when it ran past the bottom (the old way) put the largest presets' labels
 * above the chart; here a backward pass keeps the bottom and a last forward pass keeps the top.
 */
export function stackLabels(wants: readonly number[], top: number, bottom: number, line: number): number[] {
  const order = wants.map((_, i) => i).sort((a, b) => wants[a] - wants[b] || a - b);
  const at = new Array<number>(wants.length);
  let prev = -Infinity;
  for (const i of order) {
    at[i] = Math.max(wants[i], prev + line, top);
    prev = at[i];
  }
  let next = Infinity;
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    at[i] = Math.min(at[i], next - line, bottom);
    next = at[i];
  }
  // Where the column cannot fit, the top wins: it runs past the bottom, which the chart's height prevents.
  prev = -Infinity;
  for (const i of order) {
    at[i] = Math.max(at[i], prev + line, top);
    prev = at[i];
  }
  return at;
}

