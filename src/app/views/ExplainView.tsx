/**
 * View: what the network computes on an image. Pick a stage, block and layer and see every channel's
 * map (sorted by mean activation, paged, one colour scale with its legend; click one for its numbers),
 * the C paths of form (a) around the grouped 3x3 conv, the layer's histogram and sparsity after ReLU,
 * and the class activation maps of the top-5 classes over the image. The engine (worker) computes
 * every number; this view only draws what it is sent.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BackendName, ExplainMap, ExplainOverview, FeatureMaps } from '../../model/engine/protocol.ts';
import { channelGroups, resolveTap, tapTargets } from '../../model/explain.ts';
import { numel, stateDictSpec } from '../../model/graph.ts';
import { humanCount } from '../format.ts';
import { graphOf } from '../graphs.ts';
import { exactPreset, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { appMessage } from '../i18n/translator.ts';
import { MessageError, messageFromError, type Message } from '../../model/message.ts';
import { useEngineTask } from '../useEngineTask.ts';
import { useLoadedWeights, withWeightsNetwork } from '../loadedWeights.ts';
import { useCatalogue } from '../useCatalogue.ts';
import { ExplainCam } from '../components/ExplainCam.tsx';
import { ExplainHistogram } from '../components/ExplainHistogram.tsx';
import { ExplainImage, ExplainWeights } from '../components/ExplainInput.tsx';
import { ExplainLayerPicker, pickerTree, locate } from '../components/ExplainLayerPicker.tsx';
import { ExplainMapDetail } from '../components/ExplainMapDetail.tsx';
import { ExplainMaps, layerScaleKind } from '../components/ExplainMaps.tsx';
import { Card } from '../components/Card.tsx';
import '../components/Explain.css';
import { ViewHead } from '../components/ViewHead.tsx';

/** Random weights are drawn in the page's worker: refuse networks whose float32 weights alone pass this. */
const MAX_RANDOM_PARAMS = 200_000_000;

/** An engine request whose failure is said in the view's words (`wrap` gets the engine's message). */
function saying<T>(request: Promise<T>, wrap: (error: Message) => Message): Promise<T> {
  return request.catch((e: unknown) => {
    throw new MessageError(wrap(messageFromError(e)));
  });
}

export function ExplainView({ state }: { state: AppState }) {
  const { t, msg } = useI18n();
  const store = useStore();
  // The weights are the app's (the Run view's too); the image, layer and engine answers are this view's.
  const loaded = useLoadedWeights();
  const weights = loaded.weights;
  // A catalogued checkpoint with a test size is explained at it, as it is classified; say so (and where a hub config.json set it).
  const catalogue = useCatalogue();
  const entry = weights?.pretrained ? catalogue?.find(weights.pretrained) : undefined;
  const [image, setImage] = useState<{ blob: Blob; name: string } | null>(null);
  const [applyExif, setApplyExif] = useState(false);
  const [layer, setLayer] = useState<string | null>(null);
  const backend = useEngineTask<BackendName>();
  const overviewTask = useEngineTask<ExplainOverview>();
  const mapsTask = useEngineTask<FeatureMaps>();
  const detailTask = useEngineTask<ExplainMap>();
  const overview = overviewTask.result;
  const maps = mapsTask.result;
  const detail = detailTask.result;
  const detailRef = useRef<HTMLDivElement>(null);

  // The engine's backend as the link says (auto: the engine's own choice on first use).
  useEffect(() => {
    if (state.backend !== 'auto') void backend.run((engine) => engine.setBackend(state.backend as BackendName));
    // Applied once; the Run view changes the backend afterwards.
  }, []);

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
  const { run: runOverview, reset: resetOverview } = overviewTask;
  useEffect(() => {
    if (!image || !weights) {
      resetOverview();
      return;
    }
    void runOverview((engine) => saying(engine.explainImage(image.blob, 5, applyExif ? 'apply' : 'ignore'), (error) => appMessage('xp.imageError', { image: image.name, error })));
  }, [image, weights, applyExif, runOverview, resetOverview]);

  // The selected layer's maps for the current input.
  const { run: runMaps, reset: resetMaps } = mapsTask;
  const resetDetail = detailTask.reset;
  useEffect(() => {
    resetDetail();
    if (!overview) {
      resetMaps();
      return;
    }
    void runMaps((engine) => engine.explainLayer(selected, 'uint8', 0));
  }, [overview, selected, runMaps, resetMaps, resetDetail]);

  const loadFile = (file: File) =>
    void loaded.load((engine) => saying(engine.loadWeights({ file, name: file.name }), (error) => appMessage('xp.loadFailed', { file: file.name, error })));

  const configured = exactPreset(state.config) ?? t('xp.configured');
  // The Run view's test: the weights' network, at the configured input size, is not the configured one.
  const differs = weights !== null && !weights.random && JSON.stringify({ ...weights.config, input: state.config.input }) !== JSON.stringify(state.config);
  const loadRandom = () => {
    const params = stateDictSpec(graphOf(state.config)).reduce((s, t) => s + numel(t.shape), 0);
    if (params > MAX_RANDOM_PARAMS) {
      loaded.fail(appMessage('xp.randomTooLarge', { network: exactPreset(state.config) ?? appMessage('xp.configured'), params: humanCount(params), bytes: humanCount(params * 4) }));
      return;
    }
    void loaded.load((engine) => saying(engine.loadRandomWeights(state.config, 1), (error) => appMessage('xp.randomFailed', { error })));
  };

  const openMap = async (k: number) => {
    const opened = await detailTask.run((engine) => engine.explainMap(selected, k, 0));
    if (opened) requestAnimationFrame(() => detailRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' }));
  };
  const mapsError = mapsTask.error ?? detailTask.error;

  const camEntries = overview?.cam && overview.top
    ? overview.top[0].map((t, j) => {
      const [, k, h, w] = overview.cam!.shape;
      return { ...t, map: overview.cam!.maps.subarray(j * h * w, (j + 1) * h * w), k };
    })
    : [];

  return (
    <div className="view explain-view">
      <ViewHead title={t('xp.title')} lede={t('xp.lede')} />
      {backend.error && <p className="field-error" role="alert">{msg(backend.error)}</p>}
      <ExplainWeights
        weights={weights} busy={loaded.loading} error={loaded.error ? msg(loaded.error) : ''} configured={configured}
        onFile={loadFile} onRandom={loadRandom} onRunView={() => store.update((s) => ({ ...s, view: 'run' }))}
        onUseWeightsNetwork={differs && weights ? () => store.update((s) => withWeightsNetwork(s, weights)) : null}
      />
      <ExplainImage
        name={image?.name ?? null} chosen={image?.blob ?? null} overview={overview} busy={overviewTask.running} error={overviewTask.error ? msg(overviewTask.error) : ''} preprocess={weights?.preprocess ?? null}
        preprocessNote={entry?.testPreprocess ? t('xp.testSize', { tag: entry.tag, size: entry.testPreprocess.inputSize, train: entry.preprocess.inputSize }) : weights?.preprocessSource ? msg(weights.preprocessSource) : ''}
        onPick={(f) => setImage({ blob: f, name: f.name })} applyExif={applyExif} onApplyExif={setApplyExif}
      />

      <Card id="xp-layer" title={t('xp.featureMaps')}>
        <ExplainLayerPicker tree={tree} selected={selected} onSelect={setLayer} />
        <p className="small muted xp-target">
          <span className="num">{target.name}</span>
          {groups
            ? t('xp.targetGroups', { description: target.describe, shape: target.outShape.join('×'), groups: groups.groups, perGroup: groups.perGroup })
            : t('xp.target', { description: target.describe, shape: target.outShape.join('×') })}
        </p>
        {!overview && <p className="muted">{weights ? t('xp.chooseImageFirst') : t('xp.needBoth')}</p>}
        {mapsTask.running && <p className="muted" role="status">{t('xp.computing', { layer: selected })}</p>}
        {mapsError && <p className="field-error" role="alert">{msg(mapsError)}</p>}
        {detail && maps && (
          <div ref={detailRef}>
            <ExplainMapDetail map={detail} kind={layerScaleKind(maps)} onClose={resetDetail} />
          </div>
        )}
        {maps && maps.layer === selected && <ExplainMaps maps={maps} groups={groups} onOpen={(k) => void openMap(k)} />}
      </Card>

      {maps && maps.layer === selected && (
        <section className="card" aria-label={t('xp.histogram')}>
          <ExplainHistogram layer={maps.layer} histogram={maps.histogram} />
        </section>
      )}

      {overview && (
        <Card id="xp-cam" title={t('xp.cams')}>
          {overview.cam && overview.crop && camEntries.length > 0 ? (
            <ExplainCam crop={overview.crop} entries={camEntries} h={overview.cam.shape[2]} w={overview.cam.shape[3]} layer={overview.cam.layer} random={overview.random} />
          ) : (
            <p className="muted">{overview.camError ? msg(overview.camError) : ''}</p>
          )}
        </Card>
      )}
    </div>
  );
}
