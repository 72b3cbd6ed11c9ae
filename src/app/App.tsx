import { lazy, Suspense, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ConfigPanel } from './views/ConfigPanel.tsx';
import { BlockTableView } from './views/BlockTableView.tsx';
import { LayersView } from './views/LayersView.tsx';
import { FormsView } from './views/FormsView.tsx';
import { CompareView } from './views/CompareView.tsx';
import { CostView } from './views/CostView.tsx';
import { Notices } from './components/Notices.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { useSnapshot, useStore } from './store.ts';
import { VIEW_LABELS, VIEWS, type View } from './state.ts';

// The run view pulls in the engine client only when opened; tfjs itself loads on the first inference request.
const RunView = lazy(() => import('./views/RunView.tsx').then((m) => ({ default: m.RunView })));

function Tabs({ view, onSelect }: { view: View; onSelect: (v: View) => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  // On a phone the tab strip scrolls; keep the selected tab in sight.
  useEffect(() => {
    refs.current[VIEWS.indexOf(view)]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [view]);
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = VIEWS.indexOf(view);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % VIEWS.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + VIEWS.length) % VIEWS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = VIEWS.length - 1;
    if (next < 0) return;
    e.preventDefault();
    onSelect(VIEWS[next]);
    refs.current[next]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="Views" onKeyDown={onKey}>
      {VIEWS.map((v, i) => (
        <button
          key={v}
          ref={(el) => { refs.current[i] = el; }}
          role="tab"
          id={`tab-${v}`}
          aria-selected={v === view}
          aria-controls="view-panel"
          tabIndex={v === view ? 0 : -1}
          className="tab"
          onClick={() => onSelect(v)}
        >
          {VIEW_LABELS[v]}
        </button>
      ))}
    </div>
  );
}

export function App() {
  const store = useStore();
  const { state, notices } = useSnapshot();
  const select = (view: View) => store.update((s) => (s.view === view ? s : { ...s, view }));
  // Once opened, the run view stays mounted (hidden) so loaded weights and results survive tab switches.
  const [runOpened, setRunOpened] = useState(false);
  if (state.view === 'run' && !runOpened) setRunOpened(true);
  return (
    <div className="app">
      <header className="masthead">
        <h1>
          ResNeXt Lab
          <span className="subtitle">Aggregated Residual Transformations for Deep Neural Networks (Xie et al., CVPR 2017)</span>
        </h1>
      </header>
      <Notices notices={notices} onDismiss={() => store.dismissNotices()} />
      <div className="layout">
        <ConfigPanel state={state} />
        <main className="main">
          <Tabs view={state.view} onSelect={select} />
          <section id="view-panel" role="tabpanel" aria-labelledby={`tab-${state.view}`} className="panel">
            <ErrorBoundary key={state.view} resetKey={`${JSON.stringify(state.config)}:${state.order}:${state.convention}`}>
              {state.view === 'table' && <BlockTableView state={state} />}
              {state.view === 'layers' && <LayersView state={state} />}
              {state.view === 'forms' && <FormsView state={state} />}
              {state.view === 'compare' && <CompareView state={state} />}
              {state.view === 'cost' && <CostView state={state} />}
            </ErrorBoundary>
            {(state.view === 'run' || runOpened) && (
              <div hidden={state.view !== 'run'}>
                <ErrorBoundary>
                  <Suspense fallback={<p className="muted">Loading the run view…</p>}>
                    <RunView state={state} />
                  </Suspense>
                </ErrorBoundary>
              </div>
            )}
          </section>
        </main>
      </div>
    </div>
  );
}
