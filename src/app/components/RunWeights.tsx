/**
 * The weights part of the Run view: every catalogue entry with its accuracy (and source),
 * preprocessing, licence and size, and whether the backend in use can hold it; any URL or a local
 * file instead; the download progress (with Cancel), what was loaded, and the cache of downloads.
 */
import { FilePicker } from './FilePicker.tsx';
import { DownloadProgress } from './DownloadProgress.tsx';
import { WeightsCachePanel } from './WeightsCachePanel.tsx';
import { useState } from 'react';
import type { BackendCapacity, BackendName, LoadedWeights, LoadProgress } from '../../model/engine/protocol.ts';
import { formatInputSize } from '../../model/config.ts';
import { describeMemoryMessage, formatBytes } from '../../model/memory.ts';
import { describePreprocessMessage } from '../../model/preprocess.ts';
import { matchPreset } from '../../model/presets.ts';
import { pretrainedMemory, type Catalogue, type PretrainedEntry } from '../../model/pretrained.ts';
import type { Message } from '../../model/message.ts';
import { CatalogueList, entryProblem } from './CatalogueList.tsx';
import { humanCount, thousands } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Rich } from '../i18n/Rich.tsx';
import type { Translator } from '../i18n/translator.ts';
import { pretrainedAccuracySource, pretrainedPreprocessSource } from '../i18n/data.ts';
import { Card } from './Card.tsx';

export type WeightsSource = { url: string } | { file: File; name: string };

/** Whether a typed URL is the one weights were loaded from (the worker resolves it against the page). */
function sameUrl(typed: string, source: string): boolean {
  try {
    return typed.trim() !== '' && new URL(typed.trim(), window.location.href).href === source;
  } catch {
    return false;
  }
}

/**
 * What the URL field says once weights are loaded: a catalogued checkpoint's URL, the URL typed when
 * they came from it, else nothing (a file, random weights), so that no catalogue entry is described or
 * marked chosen while other weights are loaded.
 */
function fieldFor(weights: LoadedWeights, typed: string, catalogue: Catalogue | null): string {
  const own = weights.pretrained ? catalogue?.find(weights.pretrained)?.url : undefined;
  return own ?? (sameUrl(typed, weights.source) ? typed : '');
}

function describeLoaded(w: LoadedWeights, t: Translator['t']): string {
  const preset = matchPreset(w.config);
  const network = preset ? preset.label : t('run.customNetwork', { depths: w.config.depths.join(','), c: w.config.cardinality, d: w.config.widthPerGroup });
  const figures = { network, classes: w.config.classes, tensors: thousands(w.tensors), bytes: humanCount(w.bytes) };
  return t(w.cached ? 'run.loadedWhatCached' : 'run.loadedWhat', figures);
}

interface RunWeightsProps {
  /** The catalogue, null while its chunk loads. */
  catalogue: Catalogue | null;
  /** The catalogue entry proposed first (the configured preset's), if any. */
  proposed: PretrainedEntry | undefined;
  active: BackendName | null;
  capacity: BackendCapacity | null;
  weights: LoadedWeights | null;
  loading: boolean;
  progress: LoadProgress | null;
  error: Message | null;
  onLoad: (src: WeightsSource, entry: PretrainedEntry | undefined) => void;
  /** Cancels the download under way. */
  onCancel: () => void;
  /** Set when the loaded weights describe another network than the configured one. */
  configured: { differs: boolean; input: readonly number[]; useWeightsNetwork: () => void };
}

export function RunWeights({ catalogue, proposed, active, capacity, weights, loading, progress, error, onLoad, onCancel, configured }: RunWeightsProps) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  // The configured preset's catalogued weights are proposed; any URL can be typed instead.
  // What was typed, and under which loaded weights: weights loaded since (here or in the Explain view) set the field.
  // Nothing typed yet (null): the proposed entry's URL, once the catalogue has loaded.
  const [field, setField] = useState<{ url: string | null; weights: LoadedWeights | null }>({ url: null, weights: null });
  const typed = field.url ?? proposed?.url ?? '';
  const url = weights && field.weights !== weights ? fieldFor(weights, typed, catalogue) : typed;
  const setUrl = (text: string) => setField({ url: text, weights });
  const entry = catalogue?.byUrl(url.trim());
  const problem = entry ? entryProblem(entry, capacity) : null;
  const need = entry ? pretrainedMemory(entry) : null;
  return (
    <Card id="weights" title={t('run.weights')}>
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="weights-pretrained">{t('run.pretrained')}</label>
          <select id="weights-pretrained" value={entry?.url ?? ''} onChange={(e) => setUrl(e.target.value)}>
            <option value="">{t('run.otherUrl')}</option>
            {catalogue?.entries.map((p) => {
              const size = pretrainedMemory(p);
              return <option key={p.tag} value={p.url}>{size ? t('run.optionSize', { label: p.label, size: formatBytes(size.fileBytes) }) : p.label}</option>;
            })}
          </select>
        </div>
        <div className="field inline" style={{ flex: '1 1 20rem' }}>
          <label htmlFor="weights-url">{t('run.url')}</label>
          <input id="weights-url" type="url" placeholder="https://…/model.safetensors" value={url} onChange={(e) => setUrl(e.target.value)} />
        </div>
        <button type="button" className="primary" disabled={loading || url.trim() === '' || problem !== null} onClick={() => onLoad({ url: url.trim() }, entry)}>{t('run.load')}</button>
        <div className="field inline">
          <label htmlFor="weights-file">{t('run.fromFile')}</label>
          <FilePicker id="weights-file" accept=".safetensors,.pth,.pt,.bin" disabled={loading} onFile={(f) => onLoad({ file: f, name: f.name }, undefined)} />
        </div>
      </div>
      {entry && (
        <div className="hint entry" id="weights-entry">
          <p>
            <Rich text={t('run.entry', {
              label: entry.label, repo: entry.hub.repo, licence: entry.license.name, nc: entry.license.commercial ? '' : t('run.nonCommercialUse'),
              top1: entry.accuracy?.top1 ?? '—', top5: entry.accuracy?.top5 ?? '—', source: entry.accuracy ? pretrainedAccuracySource(i18n, entry) : t('run.noAccuracy'),
            })} />
          </p>
          <p>{t('run.entryPreprocess', { description: describePreprocessMessage(entry.preprocess), source: pretrainedPreprocessSource(i18n, entry) })}</p>
          {entry.testPreprocess && <p>{t('run.entryTestSize', { description: describePreprocessMessage(entry.testPreprocess) })}</p>}
          {need && <p>{active ? t('run.entryMemoryOn', { memory: describeMemoryMessage(need), backend: active }) : t('run.entryMemory', { memory: describeMemoryMessage(need) })}</p>}
          {problem && <p className="field-error">{t('run.cannotLoad', { problem: msg(problem) })}</p>}
        </div>
      )}
      {loading && progress && <DownloadProgress progress={progress} onCancel={onCancel} />}
      {error && <p className="field-error" role="alert">{t('run.couldNotLoad', { error: msg(error) })}</p>}
      {weights ? (
        <p className="status" role="status">
          {weights.pretrained
            ? t('run.loadedEntry', { what: describeLoaded(weights, t), source: weights.source, tag: weights.pretrained })
            : t('run.loaded', { what: describeLoaded(weights, t), source: weights.source })}
        </p>
      ) : (
        !loading && <p className="muted">{t('run.noWeights')}</p>
      )}
      {weights?.notice && <p className="hint">{msg(weights.notice)}</p>}
      {weights && configured.differs && (
        <p className="hint">
          {t('run.differs', { input: formatInputSize(configured.input) })}{' '}
          <button type="button" onClick={configured.useWeightsNetwork}>{t('run.configureWeights')}</button>
        </p>
      )}
      <WeightsCachePanel loaded={weights} loading={loading} onRedownload={(u) => onLoad({ url: u }, catalogue?.byUrl(u))} />
      {catalogue
        ? <CatalogueList catalogue={catalogue} proposed={proposed} selected={entry} capacity={capacity} active={active} onChoose={(e) => setUrl(e.url)} />
        : <p className="muted small">{t('run.catalogueLoading')}</p>}
    </Card>
  );
}
