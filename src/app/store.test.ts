import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { presetConfig } from '../model/presets.ts';
import { withConfig } from './state.ts';
import { Store } from './store.ts';

/** A window with just what the store uses: location, history (push/replace) and popstate. */
class FakeWindow {
  location = { pathname: '/', search: '', hash: '' };
  entries: string[] = [];
  index = -1;
  private popstate: (() => void)[] = [];
  history = {
    pushState: (_: unknown, __: string, url: string) => {
      this.entries = [...this.entries.slice(0, this.index + 1), url];
      this.index++;
      this.go(url);
    },
    replaceState: (_: unknown, __: string, url: string) => {
      if (this.index < 0) this.index = 0;
      this.entries[this.index] = url;
      this.go(url);
    },
  };
  constructor(search: string) {
    this.location.search = search;
    this.entries = [`/${search}`];
    this.index = 0;
  }
  addEventListener(type: string, fn: () => void) {
    if (type === 'popstate') this.popstate.push(fn);
  }
  back() {
    this.index--;
    this.go(this.entries[this.index]);
    for (const fn of this.popstate) fn();
  }
  private go(url: string) {
    const q = url.indexOf('?');
    this.location.search = q < 0 ? '' : url.slice(q);
  }
}

describe('store and URL', () => {
  let win: FakeWindow;
  const open = (search: string) => {
    win = new FakeWindow(search);
    vi.stubGlobal('window', win);
    return new Store();
  };
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('pushes one history entry per change and restores the state on back', () => {
    const store = open('');
    let renders = 0;
    store.subscribe(() => renders++);
    store.update((s) => withConfig(s, presetConfig('resnet50'), 'resnet50'));
    store.update((s) => ({ ...s, view: 'layers' }));
    expect(win.entries).toEqual(['/', '/?preset=resnet50', '/?view=layers&preset=resnet50']);
    expect(renders).toBe(2);
    win.back();
    expect(store.getSnapshot().state.view).toBe('table');
    expect(store.getSnapshot().state.config).toEqual(presetConfig('resnet50'));
    expect(renders).toBe(3);
  });

  it('coalesces quick edits of the same control into one entry', () => {
    const store = open('');
    store.update((s) => ({ ...s, filter: 'c' }), { coalesce: 'filter' });
    vi.advanceTimersByTime(200);
    store.update((s) => ({ ...s, filter: 'co' }), { coalesce: 'filter' });
    vi.advanceTimersByTime(200);
    store.update((s) => ({ ...s, filter: 'conv' }), { coalesce: 'filter' });
    expect(win.entries).toEqual(['/', '/?q=conv']);
    vi.advanceTimersByTime(1500);
    store.update((s) => ({ ...s, filter: 'conv2' }), { coalesce: 'filter' });
    expect(win.entries).toEqual(['/', '/?q=conv', '/?q=conv2']);
  });

  it('rewrites a malformed link to the state shown, keeping the notices until dismissed', () => {
    const store = open('?C=abc&view=layers');
    expect(win.entries).toEqual(['/?view=layers']);
    expect(store.getSnapshot().notices).toHaveLength(1);
    store.dismissNotices();
    expect(store.getSnapshot().notices).toEqual([]);
  });

  it('does nothing for an update that changes nothing', () => {
    const store = open('');
    let renders = 0;
    store.subscribe(() => renders++);
    store.update((s) => s);
    expect(renders).toBe(0);
    expect(win.entries).toEqual(['/']);
  });
});
