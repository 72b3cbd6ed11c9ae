/** The chart series colours of styles.css (`--series-0` .. `--series-5`), one per compared network. */
export const SERIES_COUNT = 6;

/** The CSS colour of series `i` (cycling through the palette). */
export function seriesColor(i: number): string {
  return `var(--series-${i % SERIES_COUNT})`;
}
