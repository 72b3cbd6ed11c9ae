/**
 * The weights part of the Run view: every catalogue entry with its accuracy (and source),
 * preprocessing, licence and size, and whether the backend in use can hold it; any URL or a local
 * file instead; the download progress and what was loaded.
 */
import { FilePicker } from './FilePicker.tsx';
import { useState } from 'react';
import type { BackendCapacity, BackendName, LoadedWeights, LoadProgress } from '../../model/engine/client.ts';
import { formatInputSize } from '../../model/config.ts';
import { describeMemoryMessage, formatBytes, memoryProblemMessage } from '../../model/memory.ts';
import { cropNote, describePreprocessMessage } from '../../model/preprocess.ts';
import { matchPreset } from '../../model/presets.ts';
import { findPretrained, hasArchitecture, PRETRAINED, pretrainedByUrl, pretrainedMemory, type PretrainedEntry } from '../../model/pretrained.ts';
import type { Message } from '../../model/message.ts';
import { humanCount, thousands } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Rich } from '../i18n/Rich.tsx';
import { appMessage, type Translator } from '../i18n/translator.ts';
import { accuracySourceLabel, pretrainedAccuracySource, pretrainedPreprocessSource } from '../i18n/data.ts';
import { Card } from './Card.tsx';

export type WeightsSource = { url: string } | { file: File; name: string };

/** Why an entry cannot be loaded here (its architecture is missing, the backend cannot hold it), or null. */
function entryProblem(entry: PretrainedEntry, capacity: BackendCapacity | null): Message | null {
  if (!hasArchitecture(entry)) return appMessage('run.noArchitecture', { architecture: entry.architecture });
  const need = pretrainedMemory(entry);
  return need && capacity ? memoryProblemMessage(need, capacity) : null;
}

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
function fieldFor(weights: LoadedWeights, typed: string): string {
  const own = weights.pretrained ? findPretrained(weights.pretrained)?.url : undefined;
  return own ?? (sameUrl(typed, weights.source) ? typed : '');
}

function describeLoaded(w: LoadedWeights, t: Translator['t']): string {
  const preset = matchPreset(w.config);
  const network = preset ? preset.label : t('run.customNetwork', { depths: w.config.depths.join(','), c: w.config.cardinality, d: w.config.widthPerGroup });
  const figures = { network, classes: w.config.classes, tensors: thousands(w.tensors), bytes: humanCount(w.bytes) };
  return t(w.cached ? 'run.loadedWhatCached' : 'run.loadedWhat', figures);
}

interface RunWeightsProps {
  /** The catalogue entry proposed first (the configured preset's), if any. */
  proposed: PretrainedEntry | undefined;
  active: BackendName | null;
  capacity: BackendCapacity | null;
  weights: LoadedWeights | null;
  loading: boolean;
  progress: LoadProgress | null;
  error: Message | null;
  onLoad: (src: WeightsSource, entry: PretrainedEntry | undefined) => void;
  /** Set when the loaded weights describe another network than the configured one. */
  configured: { differs: boolean; input: readonly number[]; useWeightsNetwork: () => void };
}

function Catalogue({ selected, capacity, active, onChoose }: { selected: PretrainedEntry | undefined; capacity: BackendCapacity | null; active: BackendName | null; onChoose: (e: PretrainedEntry) => void }) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  return (
    <div className="catalogue" role="region" aria-labelledby="catalogue-title" tabIndex={0}>
      <h4 id="catalogue-title">{t('run.catalogue')} <span className="muted small">{t('run.catalogueNote', { count: PRETRAINED.length })}</span></h4>
      <ul aria-labelledby="catalogue-title">
        {PRETRAINED.map((e) => {
          const need = pretrainedMemory(e);
          const problem = entryProblem(e, capacity);
          const on = selected?.tag === e.tag;
          return (
            <li key={e.tag} className={on ? 'on' : undefined} aria-label={e.label}>
              <div className="cat-name">
                <strong>{e.label}</strong>
                <span className="muted small own-line">{e.tag}</span>
              </div>
              <dl className="cat-facts">
                <div>
                  <dt>{t('run.top1top5')}</dt>
                  <dd>{e.accuracy.top1}% / {e.accuracy.top5}% <span className="muted small own-line">{accuracySourceLabel(i18n, e)}</span></dd>
                </div>
                <div><dt>{t('run.preprocessing')}</dt><dd>{cropNote(e.preprocess)}</dd></div>
                <div>
                  <dt>{t('run.licence')}</dt>
                  <dd>{e.license.name}{!e.license.commercial && <span className="badge no">{t('run.nonCommercial')}</span>}</dd>
                </div>
                <div>
                  <dt>{t('run.size')}</dt>
                  <dd>{need ? formatBytes(need.fileBytes) : '—'}{problem && (
                    <span className="field-error small own-line">
                      {t('run.problem', { where: hasArchitecture(e) ? t('run.notOn', { backend: active ?? '' }) : t('run.notLoadable'), problem: msg(problem) })}
                    </span>
                  )}</dd>
                </div>
              </dl>
              <button type="button" aria-label={t('run.choose', { label: e.label })} aria-pressed={on} onClick={() => onChoose(e)}>{on ? t('run.chosen') : t('run.chooseButton')}</button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function RunWeights({ proposed, active, capacity, weights, loading, progress, error, onLoad, configured }: RunWeightsProps) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  // The configured preset's catalogued weights are proposed; any URL can be typed instead.
  // What was typed, and under which loaded weights: weights loaded since (here or in the Explain view) set the field.
  const [field, setField] = useState<{ url: string; weights: LoadedWeights | null }>(() => ({ url: proposed?.url ?? '', weights: null }));
  const url = weights && field.weights !== weights ? fieldFor(weights, field.url) : field.url;
  const setUrl = (typed: string) => setField({ url: typed, weights });
  const entry = pretrainedByUrl(url.trim());
  const problem = entry ? entryProblem(entry, capacity) : null;
  const need = entry ? pretrainedMemory(entry) : null;
  return (
    <Card id="weights" title={t('run.weights')}>
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="weights-pretrained">{t('run.pretrained')}</label>
          <select id="weights-pretrained" value={entry?.url ?? ''} onChange={(e) => setUrl(e.target.value)}>
            <option value="">{t('run.otherUrl')}</option>
            {PRETRAINED.map((p) => {
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
              top1: entry.accuracy.top1, top5: entry.accuracy.top5, source: pretrainedAccuracySource(i18n, entry),
            })} />
          </p>
          <p>{t('run.entryPreprocess', { description: describePreprocessMessage(entry.preprocess), source: pretrainedPreprocessSource(i18n, entry) })}</p>
          {need && <p>{active ? t('run.entryMemoryOn', { memory: describeMemoryMessage(need), backend: active }) : t('run.entryMemory', { memory: describeMemoryMessage(need) })}</p>}
          {problem && <p className="field-error">{t('run.cannotLoad', { problem: msg(problem) })}</p>}
        </div>
      )}
      {loading && progress && (
        <div>
          <progress aria-label={t('run.download')} value={progress.loaded} max={progress.total ?? undefined} />
          <span className="muted small">{progress.total ? t('run.progressOf', { loaded: humanCount(progress.loaded), total: humanCount(progress.total) }) : t('run.progress', { loaded: humanCount(progress.loaded) })}</span>
        </div>
      )}
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
      <Catalogue selected={entry} capacity={capacity} active={active} onChoose={(e) => setUrl(e.url)} />
    </Card>
  );
}
