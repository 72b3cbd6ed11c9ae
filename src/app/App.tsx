import { lazy, Suspense, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ConfigPanel } from './views/ConfigPanel.tsx';
import { BlockTableView } from './views/BlockTableView.tsx';
import { LayersView } from './views/LayersView.tsx';
import { FormsView } from './views/FormsView.tsx';
import { CompareView } from './views/CompareView.tsx';
import { CostView } from './views/CostView.tsx';
import { GraphView } from './views/GraphView.tsx';
import { DesignSpaceView } from './views/DesignSpaceView.tsx';
import { Notices } from './components/Notices.tsx';
import { CheckpointPicker, CheckpointStatus, useCheckpointOpener } from './components/CheckpointOpen.tsx';
import { ErrorBoundary } from './components/ErrorBoundary.tsx';
import { useSnapshot, useStore } from './store.ts';
import { exactPreset, VIEWS, type AppState, type View } from './state.ts';
import { findPreset, matchPreset } from '../model/presets.ts';
import { I18nProvider, useI18n } from './i18n/I18n.tsx';
import { LANG_NAMES, LANGS, LOCALES, type Lang } from './i18n/lang.ts';

// The run view pulls in the engine client only when opened; tfjs itself loads on the first inference request.
const RunView = lazy(() => import('./views/RunView.tsx').then((m) => ({ default: m.RunView })));
const ExplainView = lazy(() => import('./views/ExplainView.tsx').then((m) => ({ default: m.ExplainView })));

/**
 * The language switch. Its accessible name stays "Language" in every language, and each option is
 * named in its own language, so that it can be found by someone who cannot read the current one.
 */
function LanguageSwitch({ lang, onChange }: { lang: Lang; onChange: (lang: Lang) => void }) {
  return (
    <label className="language">
      <svg aria-hidden="true" className="globe" viewBox="0 0 16 16" width="16" height="16">
        <circle cx="8" cy="8" r="6.5" />
        <ellipse cx="8" cy="8" rx="2.8" ry="6.5" />
        <path d="M1.5 8h13M2.6 4.5h10.8M2.6 11.5h10.8" />
      </svg>
      <select aria-label="Language" value={lang} onChange={(e) => onChange(e.target.value as Lang)}>
        {LANGS.map((l) => <option key={l} value={l} lang={LOCALES[l]}>{LANG_NAMES[l]}</option>)}
      </select>
    </label>
  );
}

function Tabs({ view, onSelect }: { view: View; onSelect: (v: View) => void }) {
  const { t } = useI18n();
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
    <div className="tabs" role="tablist" aria-label={t('app.views')} onKeyDown={onKey}>
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
          {t(`app.view.${v}`)}
        </button>
      ))}
    </div>
  );
}

export function App() {
  const { state } = useSnapshot();
  return (
    <I18nProvider lang={state.lang}>
      <Shell />
    </I18nProvider>
  );
}

/** The tab's title names the view and the network, so that tabs and history entries tell themselves apart. */
function usePageTitle(state: AppState): void {
  const { t } = useI18n();
  const exact = exactPreset(state.config);
  const network = exact ? findPreset(exact)!.label : matchPreset(state.config)?.label ?? t('app.customNetwork');
  const title = t('app.pageTitle', { view: t(`app.view.${state.view}`), network });
  useEffect(() => {
    document.title = title;
  }, [title]);
}

function Shell() {
  const store = useStore();
  const { t } = useI18n();
  const { state, notices } = useSnapshot();
  usePageTitle(state);
  const select = (view: View) => store.update((s) => (s.view === view ? s : { ...s, view }));
  // Once opened, the run view stays mounted (hidden) so loaded weights and results survive tab switches.
  const [runOpened, setRunOpened] = useState(false);
  if (state.view === 'run' && !runOpened) setRunOpened(true);
  const [explainOpened, setExplainOpened] = useState(false);
  if (state.view === 'explain' && !explainOpened) setExplainOpened(true);
  // A checkpoint dropped on any view, or picked in the masthead, becomes the app's network.
  const checkpoint = useCheckpointOpener(state);
  return (
    <div className="app">
      <header className="masthead">
        <h1>
          ResNeXt Lab
          <span className="subtitle">{t('app.subtitle')}</span>
        </h1>
        <div className="masthead-tools">
          <CheckpointPicker opener={checkpoint} />
          <LanguageSwitch lang={state.lang} onChange={(lang) => store.update((s) => (s.lang === lang ? s : { ...s, lang }))} />
        </div>
      </header>
      <CheckpointStatus opener={checkpoint} state={state} />
      <Notices notices={notices} onDismiss={() => store.dismissNotices()} />
      <div className="layout">
        <ConfigPanel state={state} />
        <main className="main">
          <Tabs view={state.view} onSelect={select} />
          <section id="view-panel" role="tabpanel" aria-labelledby={`tab-${state.view}`} className="panel">
            <ErrorBoundary key={state.view} resetKey={`${JSON.stringify(state.config)}:${state.order}:${state.convention}`}>
              {state.view === 'table' && <BlockTableView state={state} />}
              {state.view === 'layers' && <LayersView state={state} />}
              {state.view === 'graph' && <GraphView state={state} />}
              {state.view === 'forms' && <FormsView state={state} />}
              {state.view === 'compare' && <CompareView state={state} />}
              {state.view === 'cost' && <CostView state={state} />}
              {state.view === 'design' && <DesignSpaceView state={state} />}
            </ErrorBoundary>
            {(state.view === 'run' || runOpened) && (
              <div hidden={state.view !== 'run'}>
                <ErrorBoundary>
                  <Suspense fallback={<p className="muted">{t('app.loadingRun')}</p>}>
                    <RunView state={state} />
                  </Suspense>
                </ErrorBoundary>
              </div>
            )}
            {(state.view === 'explain' || explainOpened) && (
              <div hidden={state.view !== 'explain'}>
                <ErrorBoundary>
                  <Suspense fallback={<p className="muted">{t('app.loadingExplain')}</p>}>
                    <ExplainView state={state} />
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
