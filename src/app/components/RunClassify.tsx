/**
 * The classify part of the Run view: an image by file picker or drag and drop, preprocessed as the
 * loaded weights' config says (or as chosen), the crop the network sees, the top-k classes named by
 * the weights' class set, and the latency. No prediction without loaded weights.
 */
import { FilePicker } from './FilePicker.tsx';
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { LoadedWeights, Prediction } from '../../model/engine/protocol.ts';
import { cropNote, describePreprocessMessage, type PreprocessConfig } from '../../model/preprocess.ts';
import { evalPreprocess, type Catalogue } from '../../model/pretrained.ts';
import { ms } from '../format.ts';
import { useEngineTask } from '../useEngineTask.ts';
import { useI18n } from '../i18n/I18n.tsx';
import type { Translator } from '../i18n/translator.ts';
import { classLabel, pretrainedPreprocessSource } from '../i18n/data.ts';
import { OrientationNotice } from './OrientationNotice.tsx';
import { SampleImages } from './SampleImages.tsx';
import { Card } from './Card.tsx';

/** How many classes a prediction lists. */
const TOP_K = 5;

/** The distinct preprocessings of the catalogue, each named by its crop note and the checkpoints that use it. */
function preprocessChoices(t: Translator['t'], catalogue: Catalogue | null): { key: string; config: PreprocessConfig; label: string }[] {
  const groups = new Map<string, { config: PreprocessConfig; tags: string[] }>();
  for (const p of catalogue?.entries ?? []) {
    const config = evalPreprocess(p);
    const key = JSON.stringify(config);
    const g = groups.get(key) ?? { config, tags: [] };
    g.tags.push(p.tag);
    groups.set(key, g);
  }
  return [...groups].map(([key, g]) => ({
    key,
    config: g.config,
    label: g.tags.length > 1
      ? t('run.choiceLabelMore', { note: cropNote(g.config), tag: g.tags[0], more: g.tags.length - 1 })
      : t('run.choiceLabel', { note: cropNote(g.config), tag: g.tags[0] }),
  }));
}

function Crop({ image }: { image: ImageData }) {
  const { t } = useI18n();
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    ref.current?.getContext('2d')?.putImageData(image, 0, 0);
  }, [image]);
  return <canvas ref={ref} className="crop" width={image.width} height={image.height} aria-label={t('run.crop', { width: image.width, height: image.height })} role="img" />;
}

export function RunClassify({ catalogue, weights, onGoToWeights }: { catalogue: Catalogue | null; weights: LoadedWeights | null; onGoToWeights: () => void }) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  const [image, setImage] = useState<{ blob: Blob; name: string } | null>(null);
  const [over, setOver] = useState(false);
  // '' = the weights' own preprocessing; else the key of a catalogue preprocessing.
  const [choice, setChoice] = useState('');
  // The EXIF orientation: ignored as Pillow (PyTorch) ignores it, unless the user asks for it.
  const [applyExif, setApplyExif] = useState(false);
  const choices = useMemo(() => preprocessChoices(t, catalogue), [t, catalogue]);
  const task = useEngineTask<Prediction & { image: string }>();
  const chosen = choices.find((c) => c.key === choice)?.config;
  const { run, reset } = task;

  useEffect(() => {
    if (!weights || !image) {
      reset();
      return;
    }
    void run(async (engine) => ({ ...(await engine.classify(image.blob, TOP_K, chosen, applyExif ? 'apply' : 'ignore')), image: image.name }));
  }, [weights, image, chosen, applyExif, run, reset]);

  const pick = (file: File | undefined) => {
    if (file) setImage({ blob: file, name: file.name });
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    pick(e.dataTransfer.files[0]);
  };

  const pre = chosen ?? weights?.preprocess;
  const own = weights?.pretrained ? catalogue?.find(weights.pretrained) : undefined;
  const prediction = task.result;
  return (
    <Card id="image" title={t('run.image')}>
      <div
        className={`drop${over ? ' over' : ''}`}
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <label htmlFor="image-file">{t('run.chooseImage')}</label>{' '}
        <FilePicker id="image-file" accept="image/*" onFile={pick} />
        <p className="muted small">
          {pre
            ? chosen
              ? t('run.preprocessChosen', { description: describePreprocessMessage(pre) })
              : own
                ? t('run.preprocessOwn', { description: describePreprocessMessage(pre), source: pretrainedPreprocessSource(i18n, own) })
                : weights?.preprocessSource
                  ? msg(weights.preprocessSource)
                  : t('run.preprocessDefault', { description: describePreprocessMessage(pre) })
            : t('run.preprocessFirst')}
        </p>
        {!chosen && own?.testPreprocess && (
          <p className="hint small" id="run-test-size">{t('run.preprocessTestSize', { size: own.testPreprocess.inputSize, train: own.preprocess.inputSize, tag: own.tag })}</p>
        )}
      </div>
      <SampleImages id="run-samples" chosen={image?.blob ?? null} onPick={pick} />
      {weights && (
        <div className="toolbar">
          <div className="field inline">
            <label htmlFor="preprocess-choice">{t('run.preprocessing')}</label>
            <select id="preprocess-choice" value={choice} onChange={(e) => setChoice(e.target.value)}>
              <option value="">{t('run.ownPreprocessing', { note: cropNote(weights.preprocess) })}</option>
              {choices.map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}
            </select>
          </div>
        </div>
      )}
      {image && !weights && (
        <p className="field-error" role="alert">
          {t('run.needWeights', { image: image.name })}{' '}
          <button type="button" onClick={onGoToWeights}>{t('run.goToWeights')}</button>
        </p>
      )}
      {image && task.error && <p className="field-error" role="alert">{t('run.imageError', { image: image.name, error: msg(task.error) })}</p>}
      {task.running && <p className="muted">{t('run.classifying')}</p>}
      {prediction && weights && (
        <div className="run-grid" aria-label={t('run.prediction')}>
          <Crop image={prediction.crop} />
          <div>
            <OrientationNotice id="run-exif" note={prediction.orientation} apply={applyExif} onApply={setApplyExif} />
            <p className="small">{t('run.topFor', { k: TOP_K, image: prediction.image })}</p>
            <ol className="bars" aria-label={t('run.topClasses', { k: TOP_K })}>
              {prediction.top.map((t) => (
                <li key={t.index}>
                  <span>
                    {classLabel(i18n, t)} <span className="muted small">#{t.index}</span>
                    <span className="bar" style={{ width: `${(t.prob * 100).toFixed(1)}%` }} />
                  </span>
                  <span className="num">{(t.prob * 100).toFixed(2)}%</span>
                </li>
              ))}
            </ol>
            <p className="muted small">{t('run.latency', { ms: ms(prediction.ms), backend: prediction.backend })}</p>
            <p className="muted small">
              {t('run.classNames', {
                names: weights.classes
                  ? weights.classesAssumed ? t('run.classesAssumed', { names: weights.classes, count: weights.config.classes }) : weights.classes
                  : t('run.noClassNames'),
              })}
            </p>
          </div>
        </div>
      )}
    </Card>
  );
}
