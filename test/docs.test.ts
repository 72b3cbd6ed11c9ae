import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anchorsOf, brokenLinks, documentationPages, githubSlug } from './support/markdown.ts';

describe('documentation', () => {
  it('the README is a front door: at most 200 lines', () => {
    const lines = readFileSync('README.md', 'utf8').split('\n').length - 1;
    expect(lines).toBeLessThanOrEqual(200);
  });

  it('every relative link and image of the README and docs/ resolves, anchors included', () => {
    const pages = documentationPages();
    expect(pages).toContain('docs/cli.md');
    expect(pages.flatMap((page) => brokenLinks(page))).toEqual([]);
  });

  it('anchors are made as GitHub makes them', () => {
    expect(githubSlug('Cost: memory and time beyond FLOPs')).toBe('cost-memory-and-time-beyond-flops');
    expect(githubSlug('`npm run bench:cost`: measured against predicted in the browser')).toBe('npm-run-benchcost-measured-against-predicted-in-the-browser');
    expect(githubSlug('中文 (Chinese)')).toBe('中文-chinese');
    expect(githubSlug('2026-12-01: runs 1 to 5 (AVX-512 + FMA)')).toBe('2026-12-01-runs-1-to-5-avx-512--fma');
    expect([...anchorsOf('# A\n\n## Notes\n\n## Notes\n')]).toEqual(['a', 'notes', 'notes-1']);
  });

  it('finds a missing file, a missing image and a missing anchor', () => {
    const pages: Record<string, string> = {
      'README.md': '# Top\n\n[ok](docs/cli.md#command-line) [gone](docs/nothing.md) ![img](docs/screenshots/none.png) [bad](docs/cli.md#no-such-heading) [self](#top) [web](https://example.org/x)\n',
      'docs/cli.md': readFileSync('docs/cli.md', 'utf8'),
    };
    const problems = brokenLinks('README.md', '.', (path) => pages[path] ?? readFileSync(path, 'utf8'));
    expect(problems).toEqual([
      'README.md: link docs/nothing.md: no file docs/nothing.md',
      'README.md: image docs/screenshots/none.png: no file docs/screenshots/none.png',
      'README.md: link docs/cli.md#no-such-heading: docs/cli.md has no heading #no-such-heading',
    ]);
  });
});
