/**
 * View: what the network computes on an image. Pick a stage, block and layer and see every channel's
 * map (sorted by mean activation, paged, one colour scale with its legend; click one for its numbers),
 * the C paths of form (a) around the grouped 3x3 conv, the layer's histogram and sparsity after ReLU,
 * and the class activation maps of the top-5 classes over the image. The engine (worker) computes
 * every number; this view only draws what it is sent.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ExplainMap, ExplainOverview, FeatureMaps, LoadedWeights } from '../../model/engine/client.ts';
import { channelGroups, resolveTap, tapTargets } from '../../model/explain.ts';
import { numel, stateDictSpec } from '../../model/graph.ts';
import { humanCount } from '../format.ts';
import { graphOf } from '../graphs.ts';
import { exactPreset, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { getEngine } from '../engine.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { appMessage } from '../i18n/translator.ts';
import { messageFromError, type Message } from '../../model/message.ts';
import { ExplainCam } from '../components/ExplainCam.tsx';
import { ExplainHistogram } from '../components/ExplainHistogram.tsx';
import { ExplainImage, ExplainWeights } from '../components/ExplainInput.tsx';
import { ExplainLayerPicker, pickerTree, locate } from '../components/ExplainLayerPicker.tsx';
import { ExplainMapDetail } from '../components/ExplainMapDetail.tsx';
import { ExplainMaps, layerScaleKind } from '../components/ExplainMaps.tsx';
import '../components/Explain.css';

/** Random weights are drawn in the page's worker: refuse networks whose float32 weights alone pass this. */
const MAX_RANDOM_PARAMS = 200_000_000;

function sameWeights(a: LoadedWeights | null, b: LoadedWeights | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function ExplainView({ state }: { state: AppState }) {
  const { t, msg } = useI18n();
  const store = useStore();
  const [engineError, setEngineError] = useState<Message | null>(null);
  const [weights, setWeights] = useState<LoadedWeights | null>(null);
  const [weightsBusy, setWeightsBusy] = useState(false);
  const [weightsError, setWeightsError] = useState<Message | null>(null);
  const [image, setImage] = useState<{ blob: Blob; name: string } | null>(null);
  const [applyExif, setApplyExif] = useState(false);
  const [overview, setOverview] = useState<ExplainOverview | null>(null);
  const [overviewBusy, setOverviewBusy] = useState(false);
  const [imageError, setImageError] = useState<Message | null>(null);
  const [layer, setLayer] = useState<string | null>(null);
  const [maps, setMaps] = useState<FeatureMaps | null>(null);
  const [mapsBusy, setMapsBusy] = useState(false);
  const [mapsError, setMapsError] = useState<Message | null>(null);
  const [detail, setDetail] = useState<ExplainMap | null>(null);
  const detailRef = useRef<HTMLDivElement>(null);
  const overviewTicket = useRef(0);
  const mapsTicket = useRef(0);

  // The engine's backend as the link says (auto: the engine's own choice on first use), and whatever weights it holds.
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const engine = await getEngine();
        if (state.backend !== 'auto') await engine.setBackend(state.backend);
        const held = await engine.loadedWeights();
        if (live) setWeights((w) => (sameWeights(w, held) ? w : held));
      } catch (e) {
        if (live) setEngineError(messageFromError(e));
      }
    })();
    return () => { live = false; };
    // Applied once; the Run view changes the backend afterwards.
  }, []);

  // Back on this tab: the Run view may have loaded other weights meanwhile.
  useEffect(() => {
    if (state.view !== 'explain') return;
    let live = true;
    void getEngine().then((e) => e.loadedWeights()).then((held) => {
      if (live) setWeights((w) => (sameWeights(w, held) ? w : held));
    }, () => {});
    return () => { live = false; };
  }, [state.view]);

  const config = weights?.config ?? state.config;
  const inputSize = overview ? overview.shape.slice(1) : [config.input[0], 224, 224];
  const graph = useMemo(() => graphOf({ ...config, input: [inputSize[0], inputSize[1], inputSize[2]] }), [config, inputSize[0], inputSize[1], inputSize[2]]);
  const targets = useMemo(() => tapTargets(graph), [graph]);
  const tree = useMemo(() => pickerTree(graph, targets), [graph, targets]);
  const defaultLayer = useMemo(() => {
    const grouped = targets.find((t) => t.stage === 1 && t.block === 0 && t.name.endsWith('.conv2'));
    return grouped?.name ?? tree[1]?.blocks[0]?.layers[0]?.name ?? tree[0].blocks[0].layers[0].name;
  }, [targets, tree]);
  const selected = layer !== null && locate(tree, layer) ? layer : defaultLayer;
  const target = useMemo(() => resolveTap(graph, selected, targets), [graph, selected, targets]);
  const groups = useMemo(() => channelGroups(graph, target), [graph, target]);

  // Weights or image changed: the overview (top-5, CAMs) of the image under these weights.
  useEffect(() => {
    setOverview(null);
    setMaps(null);
    setDetail(null);
    if (!image || !weights) return;
    const ticket = ++overviewTicket.current;
    setOverviewBusy(true);
    setImageError(null);
    (async () => {
      try {
        const engine = await getEngine();
        const o = await engine.explainImage(image.blob, 5, applyExif ? 'apply' : 'ignore');
        if (ticket === overviewTicket.current) setOverview(o);
      } catch (e) {
        if (ticket === overviewTicket.current) setImageError(appMessage('xp.imageError', { image: image.name, error: messageFromError(e) }));
      } finally {
        if (ticket === overviewTicket.current) setOverviewBusy(false);
      }
    })();
  }, [image, weights, applyExif]);

  // The selected layer's maps for the current input.
  useEffect(() => {
    setDetail(null);
    if (!overview) return;
    const ticket = ++mapsTicket.current;
    setMapsBusy(true);
    setMapsError(null);
    (async () => {
      try {
        const engine = await getEngine();
        const m = await engine.explainLayer(selected, 'uint8', 0);
        if (ticket === mapsTicket.current) setMaps(m);
      } catch (e) {
        if (ticket === mapsTicket.current) {
          setMaps(null);
          setMapsError(messageFromError(e));
        }
      } finally {
        if (ticket === mapsTicket.current) setMapsBusy(false);
      }
    })();
  }, [overview, selected]);

  const loadFile = async (file: File) => {
    setWeightsBusy(true);
    setWeightsError(null);
    try {
      const engine = await getEngine();
      setWeights(await engine.loadWeights({ file, name: file.name }));
    } catch (e) {
      setWeightsError(appMessage('xp.loadFailed', { file: file.name, error: messageFromError(e) }));
    } finally {
      setWeightsBusy(false);
    }
  };

  const configured = exactPreset(state.config) ?? t('xp.configured');
  const loadRandom = async () => {
    const params = stateDictSpec(graphOf(state.config)).reduce((s, t) => s + numel(t.shape), 0);
    if (params > MAX_RANDOM_PARAMS) {
      setWeightsError(appMessage('xp.randomTooLarge', { network: exactPreset(state.config) ?? appMessage('xp.configured'), params: humanCount(params), bytes: humanCount(params * 4) }));
      return;
    }
    setWeightsBusy(true);
    setWeightsError(null);
    try {
      const engine = await getEngine();
      setWeights(await engine.loadRandomWeights(state.config, 1));
    } catch (e) {
      setWeightsError(appMessage('xp.randomFailed', { error: messageFromError(e) }));
    } finally {
      setWeightsBusy(false);
    }
  };

  const openMap = async (k: number) => {
    try {
      const engine = await getEngine();
      setDetail(await engine.explainMap(selected, k, 0));
      requestAnimationFrame(() => detailRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' }));
    } catch (e) {
      setMapsError(messageFromError(e));
    }
  };

  const camEntries = overview?.cam && overview.top
    ? overview.top[0].map((t, j) => {
      const [, k, h, w] = overview.cam!.shape;
      return { ...t, map: overview.cam!.maps.subarray(j * h * w, (j + 1) * h * w), k };
    })
    : [];

  return (
    <div className="view explain-view">
      <div className="view-head">
        <h2>{t('xp.title')}</h2>
        <p className="lede">{t('xp.lede')}</p>
      </div>
      {engineError && <p className="field-error" role="alert">{msg(engineError)}</p>}
      <ExplainWeights
        weights={weights} busy={weightsBusy} error={weightsError ? msg(weightsError) : ''} configured={configured}
        onFile={(f) => void loadFile(f)} onRandom={() => void loadRandom()} onRunView={() => store.update((s) => ({ ...s, view: 'run' }))}
      />
      <ExplainImage
        name={image?.name ?? null} overview={overview} busy={overviewBusy} error={imageError ? msg(imageError) : ''} preprocess={weights?.preprocess ?? null}
        onPick={(f) => setImage({ blob: f, name: f.name })} applyExif={applyExif} onApplyExif={setApplyExif}
      />

      <section className="card" aria-labelledby="xp-layer-title">
        <h3 id="xp-layer-title">{t('xp.featureMaps')}</h3>
        <ExplainLayerPicker tree={tree} selected={selected} onSelect={setLayer} />
        <p className="small muted xp-target">
          <span className="num">{target.name}</span>
          {groups
            ? t('xp.targetGroups', { description: target.describe, shape: target.outShape.join('×'), groups: groups.groups, perGroup: groups.perGroup })
            : t('xp.target', { description: target.describe, shape: target.outShape.join('×') })}
        </p>
        {!overview && <p className="muted">{weights ? t('xp.chooseImageFirst') : t('xp.needBoth')}</p>}
        {mapsBusy && <p className="muted" role="status">{t('xp.computing', { layer: selected })}</p>}
        {mapsError && <p className="field-error" role="alert">{msg(mapsError)}</p>}
        {detail && maps && (
          <div ref={detailRef}>
            <ExplainMapDetail map={detail} kind={layerScaleKind(maps)} onClose={() => setDetail(null)} />
          </div>
        )}
        {maps && maps.layer === selected && <ExplainMaps maps={maps} groups={groups} onOpen={(k) => void openMap(k)} />}
      </section>

      {maps && maps.layer === selected && (
        <section className="card" aria-label={t('xp.histogram')}>
          <ExplainHistogram layer={maps.layer} histogram={maps.histogram} />
        </section>
      )}

      {overview && (
        <section className="card" aria-labelledby="xp-cam-title">
          <h3 id="xp-cam-title">{t('xp.cams')}</h3>
          {overview.cam && overview.crop && camEntries.length > 0 ? (
            <ExplainCam crop={overview.crop} entries={camEntries} h={overview.cam.shape[2]} w={overview.cam.shape[3]} layer={overview.cam.layer} random={overview.random} />
          ) : (
            <p className="muted">{overview.camError ? msg(overview.camError) : ''}</p>
          )}
        </section>
      )}
    </div>
  );
}
