/**
 * The Explain view's inputs: which weights (those the engine holds, a file, or random weights for the
 * configured network, said plainly), and the image (file picker or drag and drop, as in the Run view)
 * with its preprocessed crop and top-5.
 */
import { FilePicker } from './FilePicker.tsx';
import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { ExplainOverview, LoadedWeights } from '../../model/engine/protocol.ts';
import { matchPreset } from '../../model/presets.ts';
import { describePreprocessMessage, type PreprocessConfig } from '../../model/preprocess.ts';
import { humanCount } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { classLabel } from '../i18n/data.ts';
import { Rich } from '../i18n/Rich.tsx';
import type { Translator } from '../i18n/translator.ts';
import { OrientationNotice } from './OrientationNotice.tsx';
import { SampleImages } from './SampleImages.tsx';
import { Card } from './Card.tsx';

function describe({ t, num }: Translator, w: LoadedWeights): string {
  const preset = matchPreset({ ...w.config, input: [w.config.input[0], 224, 224] }) ?? matchPreset(w.config);
  const arch = preset ? preset.label : t('xp.custom', { depths: w.config.depths.join(','), c: w.config.cardinality, d: w.config.widthPerGroup });
  return t('xp.weightsOf', { arch, classes: w.config.classes, tensors: num(w.tensors), bytes: humanCount(w.bytes), source: w.random && w.seed !== undefined ? t('xp.randomSource', { seed: w.seed }) : w.source });
}

export function ExplainWeights({ weights, busy, error, configured, onFile, onRandom, onRunView, onUseWeightsNetwork }: {
  weights: LoadedWeights | null; busy: boolean; error: string; configured: string;
  onFile: (f: File) => void; onRandom: () => void; onRunView: () => void;
  /** Set when the loaded weights are for another network than the configured one: makes theirs the app's. */
  onUseWeightsNetwork: (() => void) | null;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <Card id="xp-weights" title={t('xp.weights')}>
      {weights ? (
        <p className="status" role="status">{t('xp.explaining', { weights: describe(i18n, weights) })}</p>
      ) : (
        <p className="muted">{t('xp.noWeights')}</p>
      )}
      {onUseWeightsNetwork && (
        <p className="hint">
          {t('xp.differs')}{' '}
          <button type="button" onClick={onUseWeightsNetwork}>{t('xp.useWeightsNetwork')}</button>
        </p>
      )}
      {weights?.random && (
        <p className="xp-random" role="note"><Rich text={t('xp.randomNote', { network: configured })} /></p>
      )}
      <div className="toolbar actions">
        <button type="button" onClick={onRunView}>{t('xp.toRunView')}</button>
        <div className="field inline">
          <label htmlFor="xp-weights-file">{t('xp.weightsFile')}</label>
          <FilePicker id="xp-weights-file" accept=".safetensors,.pth,.pt,.bin" disabled={busy} onFile={onFile} />
        </div>
        <button type="button" disabled={busy} onClick={onRandom}>{t('xp.useRandom', { network: configured })}</button>
      </div>
      {busy && <p className="muted" role="status">{t('xp.loadingWeights')}</p>}
      {error && <p className="field-error" role="alert">{error}</p>}
    </Card>
  );
}

function Crop({ image }: { image: { width: number; height: number; data: Uint8ClampedArray } }) {
  const { t } = useI18n();
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(image.width, image.height);
    img.data.set(image.data);
    ctx.putImageData(img, 0, 0);
  }, [image]);
  return <canvas ref={ref} className="crop" width={image.width} height={image.height} aria-label={t('xp.crop', { width: image.width, height: image.height })} role="img" />;
}

export function ExplainImage({ name, chosen, overview, busy, error, preprocess, preprocessNote, onPick, applyExif, onApplyExif }: {
  name: string | null;
  /** The image held now (its sample photo, if it is one, is shown chosen). */
  chosen: Blob | null;
  overview: ExplainOverview | null; busy: boolean; error: string;
  /** The loaded weights' preprocessing (what the engine applies), or null without weights. */
  preprocess: PreprocessConfig | null;
  /** Where that preprocessing comes from when it is not the plain config's (a test size, a hub config.json), or ''. */
  preprocessNote: string;
  onPick: (f: File) => void;
  /** Whether the image's EXIF orientation is applied (default: read as stored, as PyTorch reads it). */
  applyExif: boolean;
  onApplyExif: (apply: boolean) => void;
}) {
  const needsWeights = preprocess === null;
  const i18n = useI18n();
  const { t, msg } = i18n;
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) onPick(f);
  };
  const top = overview?.top?.[0] ?? null;
  return (
    <Card id="xp-image" title={t('xp.image')}>
      <div className={`drop${over ? ' over' : ''}`} onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)} onDrop={onDrop}>
        <label htmlFor="xp-image-file">{t('xp.chooseImage')}</label>{' '}
        <FilePicker id="xp-image-file" accept="image/*" onFile={onPick} />
        <p className="muted small">{preprocess ? t('xp.preprocessOf', { description: describePreprocessMessage(preprocess) }) : t('xp.preprocessFirst')}</p>
        {preprocess && preprocessNote && <p className="hint small" id="xp-preprocess-note">{preprocessNote}</p>}
      </div>
      <SampleImages id="xp-samples" chosen={chosen} onPick={onPick} />
      {name && needsWeights && <p className="field-error" role="alert">{t('xp.waiting', { image: name })}</p>}
      {error && <p className="field-error" role="alert">{error}</p>}
      {busy && <p className="muted" role="status">{t('xp.running', { image: name ?? '' })}</p>}
      {overview?.crop && (
        <div className="run-grid">
          <Crop image={overview.crop} />
          <div>
            <OrientationNotice id="xp-exif" note={overview.orientation} apply={applyExif} onApply={onApplyExif} />
            {top ? (
              <>
                <p className="small">{t(overview.random ? 'xp.topForRandom' : 'xp.topFor', { image: name ?? '' })}</p>
                <ol className="bars" aria-label={t('xp.topClasses')}>
                  {top.map((t) => (
                    <li key={t.index}>
                      <span>{classLabel(i18n, t)} <span className="muted small">#{t.index}</span><div className="bar" style={{ width: `${(t.prob * 100).toFixed(1)}%` }} /></span>
                      <span className="num">{(t.prob * 100).toFixed(2)}%</span>
                    </li>
                  ))}
                </ol>
              </>
            ) : (
              <p className="muted small">{overview.camError ? msg(overview.camError) : ''}</p>
            )}
            <p className="muted small">{t('xp.forward', { ms: overview.ms.toFixed(0), backend: overview.backend })}</p>
          </div>
        </div>
      )}
    </Card>
  );
}
