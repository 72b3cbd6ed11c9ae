/**
 * A translated message with emphasis: `<b>…</b>` in a template becomes <strong>, `<code>…</code>`
 * becomes <code>, so a sentence keeps its word order in every language while a word of it is marked.
 * `<b testid="x">` gives the element a `data-testid` (the figures tests and benches read).
 */
import { Fragment, type ReactNode } from 'react';

/** `<b>…</b>`, `<code>…</code>`, optionally `<b testid="x">`. */
export const RICH_TAG = /<(b|code)(?: testid="([\w-]+)")?>(.*?)<\/\1>/g;

export function Rich({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  const re = RICH_TAG;
  re.lastIndex = 0;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) parts.push(text.slice(at, m.index));
    const testid = m[2] || undefined;
    parts.push(m[1] === 'b' ? <strong key={m.index} data-testid={testid}>{m[3]}</strong> : <code key={m.index} data-testid={testid}>{m[3]}</code>);
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <Fragment>{parts}</Fragment>;
}
