/**
 * View 6: run the network in the browser. The state shared by its parts lives here (the backend in
 * use and what it can hold); the loaded weights are the app's (`useLoadedWeights`, which the Explain
 * view shares); each part is a component: the backend picker, the weights (catalogue, URL, file),
 * classification and the benchmark. Engine requests go through `useEngineTask`. No prediction is ever
 * shown without loaded weights.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BackendCapacity, BackendName, BackendStatus, LoadProgress } from '../../model/engine/protocol.ts';
import type { PretrainedEntry } from '../../model/pretrained.ts';
import { useCatalogue } from '../useCatalogue.ts';
import { RunBackend } from '../components/RunBackend.tsx';
import { RunBenchmark } from '../components/RunBenchmark.tsx';
import { RunClassify } from '../components/RunClassify.tsx';
import { RunWeights, type WeightsSource } from '../components/RunWeights.tsx';
import { getEngine } from '../engine.ts';
import { exactPreset, type AppState, type BackendChoice } from '../state.ts';
import { useStore } from '../store.ts';
import { useLoadedWeights, withWeightsNetwork } from '../loadedWeights.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { messageFromError, type Message } from '../../model/message.ts';
import { ViewHead } from '../components/ViewHead.tsx';

/** The backend: the probed list, the one in use and what it can hold; `choose` switches. */
function useBackend(initial: BackendChoice) {
  const [backends, setBackends] = useState<BackendStatus[] | null>(null);
  const [active, setActive] = useState<BackendName | null>(null);
  const [capacity, setCapacity] = useState<BackendCapacity | null>(null);
  const [error, setError] = useState<Message | null>(null);

  const apply = useCallback(async (name: BackendChoice, live: () => boolean = () => true) => {
    setError(null);
    try {
      const engine = await getEngine();
      const used = await engine.setBackend(name);
      const cap = await engine.capacity();
      if (!live()) return;
      setActive(used);
      setCapacity(cap);
    } catch (e) {
      if (live()) setError(messageFromError(e));
    }
  }, []);

  // Probe the backends once the view is open (this starts the engine worker, which loads tfjs).
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const list = await (await getEngine()).backends();
        if (!live) return;
        setBackends(list);
        await apply(initial, () => live);
      } catch (e) {
        if (live) setError(messageFromError(e));
      }
    })();
    return () => {
      live = false;
    };
    // The first choice is applied here once; later ones go through `choose`.
  }, []);

  return { backends, active, capacity, error, choose: apply };
}

export function RunView({ state }: { state: AppState }) {
  const { t } = useI18n();
  const store = useStore();
  const backend = useBackend(state.backend);
  const load = useLoadedWeights();
  const weights = load.weights;
  const [progress, setProgress] = useState<LoadProgress | null>(null);
  const catalogue = useCatalogue();
  const proposed = catalogue?.checkpointsOf(exactPreset(state.config) ?? '')[0];

  const chooseBackend = (name: BackendChoice) => {
    store.update((s) => ({ ...s, backend: name }));
    void backend.choose(name);
  };

  // The download under way, which Cancel aborts.
  const download = useRef<AbortController | null>(null);
  const loadWeights = async (src: WeightsSource, entry: PretrainedEntry | undefined) => {
    setProgress({ loaded: 0, total: null });
    download.current?.abort();
    const controller = new AbortController();
    download.current = controller;
    // Catalogued weights are checked strictly against their architecture and bring their preprocessing
    // and class names; other files describe themselves.
    await load.load((engine) => engine.loadWeights(src, { onProgress: setProgress, pretrained: entry?.tag, signal: controller.signal }));
  };

  const differs = weights !== null && JSON.stringify({ ...weights.config, input: state.config.input }) !== JSON.stringify(state.config);
  return (
    <div className="view">
      <ViewHead title={t('run.title')} lede={t('run.lede')} />
      <RunBackend backends={backend.backends} active={backend.active} choice={state.backend} error={backend.error} onChoose={chooseBackend} />
      <RunWeights
        catalogue={catalogue}
        proposed={proposed}
        active={backend.active}
        capacity={backend.capacity}
        weights={weights}
        loading={load.loading}
        progress={progress}
        error={load.error}
        onLoad={(src, entry) => void loadWeights(src, entry)}
        onCancel={() => download.current?.abort()}
        configured={{
          differs,
          input: state.config.input,
          useWeightsNetwork: () => weights && store.update((s) => withWeightsNetwork(s, weights)),
        }}
      />
      <RunClassify catalogue={catalogue} weights={weights} onGoToWeights={() => document.getElementById('weights-url')?.focus()} />
      <RunBenchmark weights={weights} active={backend.active} />
    </div>
  );
}
