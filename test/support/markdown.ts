/**
 * Reading the project's Markdown as GitHub shows it: the documentation pages, the links and images in them, the
 * anchors GitHub makes of their headings, and the shell lines of their ```sh blocks. Used by the docs tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { Lexer, type Token, type Tokens } from 'marked';

/** README.md and every page of docs/, relative to the repository root. */
export function documentationPages(root = '.'): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** The anchor GitHub gives a heading (github-slugger): lowercase, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or image shows its text
    .replace(/<[^>]+>/g, '');
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

function walk(tokens: readonly Token[], visit: (t: Token) => void): void {
  for (const t of tokens) {
    visit(t);
    const inner = t as { tokens?: Token[]; items?: Token[]; header?: Tokens.TableCell[]; rows?: Tokens.TableCell[][] };
    if (inner.tokens) walk(inner.tokens, visit);
    if (inner.items) walk(inner.items, visit);
    if (inner.header) for (const cell of inner.header) walk(cell.tokens, visit);
    if (inner.rows) for (const row of inner.rows) for (const cell of row) walk(cell.tokens, visit);
  }
}

/** Every heading's anchor, numbered as GitHub numbers repeats (`x`, `x-1`, `x-2`). */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  walk(new Lexer().lex(markdown), (t) => {
    if (t.type !== 'heading') return;
    const base = githubSlug((t as Tokens.Heading).text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  });
  return anchors;
}

/** The targets of every link and image of a Markdown text. */
export function linksOf(markdown: string): { kind: 'link' | 'image'; href: string }[] {
  const out: { kind: 'link' | 'image'; href: string }[] = [];
  walk(new Lexer().lex(markdown), (t) => {
    if (t.type === 'link' || t.type === 'image') out.push({ kind: t.type, href: (t as Tokens.Link).href });
  });
  return out;
}

/**
 * What is wrong with the relative links and images of `file` (a path relative to `root`): a missing file, or an
 * anchor that no heading of the target page makes. Links to other sites are not followed.
 */
export function brokenLinks(file: string, root = '.', read = (path: string) => readFileSync(join(root, path), 'utf8')): string[] {
  const problems: string[] = [];
  for (const { kind, href } of linksOf(read(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
    const [rawPath, anchor] = href.split('#', 2) as [string, string | undefined];
    const path = decodeURIComponent(rawPath);
    const target = path === '' ? file : normalize(join(dirname(file), path));
    if (target.startsWith('..') || !existsSync(join(root, target))) {
      problems.push(`${file}: ${kind} ${href}: no file ${target}`);
      continue;
    }
    if (anchor !== undefined) {
      if (!target.endsWith('.md')) problems.push(`${file}: ${kind} ${href}: an anchor into a file that is not Markdown`);
      else if (!anchorsOf(read(target)).has(decodeURIComponent(anchor))) problems.push(`${file}: ${kind} ${href}: ${target} has no heading #${anchor}`);
    }
  }
  return problems;
}

/** The shell lines of the ```sh blocks of a Markdown text, continuation lines joined, comments kept. */
export function shellLines(markdown: string): string[] {
  const lines: string[] = [];
  walk(new Lexer().lex(markdown), (t) => {
    if (t.type !== 'code' || (t as Tokens.Code).lang !== 'sh') return;
    for (const line of (t as Tokens.Code).text.replace(/\\\n\s*/g, '').split('\n')) if (line.trim()) lines.push(line.trim());
  });
  return lines;
}
