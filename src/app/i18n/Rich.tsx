/**
 * A translated message with emphasis: `<b>…</b>` in a template becomes <strong>, `<code>…</code>`
 * becomes <code>, so a sentence keeps its word order in every language while a word of it is marked.
 */
import { Fragment, type ReactNode } from 'react';

export function Rich({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  const re = /<(b|code)>(.*?)<\/\1>/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) parts.push(text.slice(at, m.index));
    parts.push(m[1] === 'b' ? <strong key={m.index}>{m[2]}</strong> : <code key={m.index}>{m[2]}</code>);
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <Fragment>{parts}</Fragment>;
}
