/**
 * The weights part of the Run view: every catalogue entry with its accuracy (and source),
 * preprocessing, licence and size, and whether the backend in use can hold it; any URL or a local
 * file instead; the download progress and what was loaded.
 */
import { useState } from 'react';
import type { BackendCapacity, BackendName, LoadedWeights, LoadProgress } from '../../model/engine/client.ts';
import { formatInputSize } from '../../model/config.ts';
import { describeMemory, formatBytes, memoryProblem } from '../../model/memory.ts';
import { cropNote, describePreprocess } from '../../model/preprocess.ts';
import { matchPreset } from '../../model/presets.ts';
import { accuracySourceName, hasArchitecture, PRETRAINED, pretrainedByUrl, pretrainedMemory, type PretrainedEntry } from '../../model/pretrained.ts';
import { humanCount, thousands } from '../format.ts';

export type WeightsSource = { url: string } | { file: File; name: string };

/** Why an entry cannot be loaded here (its architecture is missing, the backend cannot hold it), or null. */
export function entryProblem(entry: PretrainedEntry, capacity: BackendCapacity | null): string | null {
  if (!hasArchitecture(entry)) return `its architecture ${entry.architecture} is not in this build`;
  const need = pretrainedMemory(entry);
  return need && capacity ? memoryProblem(need, capacity) : null;
}

function describeLoaded(w: LoadedWeights): string {
  const preset = matchPreset(w.config);
  const arch = preset ? preset.label : `custom network (depths ${w.config.depths.join(',')}, C=${w.config.cardinality}, d=${w.config.widthPerGroup})`;
  return `${arch}, ${w.config.classes} classes: ${thousands(w.tensors)} tensors, ${humanCount(w.bytes)}B${w.cached ? ', from the browser cache' : ''}`;
}

export interface RunWeightsProps {
  /** The catalogue entry proposed first (the configured preset's), if any. */
  proposed: PretrainedEntry | undefined;
  active: BackendName | null;
  capacity: BackendCapacity | null;
  weights: LoadedWeights | null;
  loading: boolean;
  progress: LoadProgress | null;
  error: string;
  onLoad: (src: WeightsSource, entry: PretrainedEntry | undefined) => void;
  /** Set when the loaded weights describe another network than the configured one. */
  configured: { differs: boolean; input: readonly number[]; useWeightsNetwork: () => void };
}

function Catalogue({ selected, capacity, active, onChoose }: { selected: PretrainedEntry | undefined; capacity: BackendCapacity | null; active: BackendName | null; onChoose: (e: PretrainedEntry) => void }) {
  return (
    <div className="catalogue" role="region" aria-labelledby="catalogue-title" tabIndex={0}>
      <h4 id="catalogue-title">Checkpoint catalogue <span className="muted small">({PRETRAINED.length} checkpoints: ImageNet-1k accuracy, preprocessing, licence, size)</span></h4>
      <ul aria-labelledby="catalogue-title">
        {PRETRAINED.map((e) => {
          const need = pretrainedMemory(e);
          const problem = entryProblem(e, capacity);
          const on = selected?.tag === e.tag;
          return (
            <li key={e.tag} className={on ? 'on' : undefined} aria-label={e.label}>
              <div className="cat-name">
                <strong>{e.label}</strong>
                <span className="muted small block">{e.tag}</span>
              </div>
              <dl className="cat-facts">
                <div>
                  <dt>Top-1 / top-5</dt>
                  <dd>{e.accuracy.top1}% / {e.accuracy.top5}% <span className="muted small block">{accuracySourceName(e)}</span></dd>
                </div>
                <div><dt>Preprocessing</dt><dd>{cropNote(e.preprocess)}</dd></div>
                <div>
                  <dt>Licence</dt>
                  <dd>{e.license.name}{!e.license.commercial && <span className="badge no">non-commercial</span>}</dd>
                </div>
                <div>
                  <dt>Size</dt>
                  <dd>{need ? formatBytes(need.fileBytes) : '—'}{problem && <span className="field-error small block">{hasArchitecture(e) ? `not on ${active}` : 'not loadable'}: {problem}</span>}</dd>
                </div>
              </dl>
              <button type="button" aria-label={`Choose ${e.label}`} aria-pressed={on} onClick={() => onChoose(e)}>{on ? 'Chosen' : 'Choose'}</button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function RunWeights({ proposed, active, capacity, weights, loading, progress, error, onLoad, configured }: RunWeightsProps) {
  // The configured preset's catalogued weights are proposed; any URL can be typed instead.
  const [url, setUrl] = useState(() => proposed?.url ?? '');
  const entry = pretrainedByUrl(url.trim());
  const problem = entry ? entryProblem(entry, capacity) : null;
  const need = entry ? pretrainedMemory(entry) : null;
  return (
    <section className="card" aria-labelledby="weights-title">
      <h3 id="weights-title">Weights</h3>
      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="weights-pretrained">Pretrained weights</label>
          <select id="weights-pretrained" value={entry?.url ?? ''} onChange={(e) => setUrl(e.target.value)}>
            <option value="">Other URL</option>
            {PRETRAINED.map((p) => {
              const size = pretrainedMemory(p);
              return <option key={p.tag} value={p.url}>{p.label}{size ? `, ${formatBytes(size.fileBytes)}` : ''}</option>;
            })}
          </select>
        </div>
        <div className="field inline" style={{ flex: '1 1 20rem' }}>
          <label htmlFor="weights-url">Weights URL (.safetensors or .pth)</label>
          <input id="weights-url" type="url" placeholder="https://…/model.safetensors" value={url} onChange={(e) => setUrl(e.target.value)} />
        </div>
        <button type="button" className="primary" disabled={loading || url.trim() === '' || problem !== null} onClick={() => onLoad({ url: url.trim() }, entry)}>Load weights</button>
        <div className="field inline">
          <label htmlFor="weights-file">Load from file</label>
          <input id="weights-file" type="file" accept=".safetensors,.pth,.pt,.bin" disabled={loading} onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) onLoad({ file: f, name: f.name }, undefined);
            e.target.value = '';
          }} />
        </div>
      </div>
      {entry && (
        <div className="hint entry" id="weights-entry">
          <p>
            <strong>{entry.label}</strong>: {entry.hub.repo} on the Hugging Face hub, licence {entry.license.name}
            {entry.license.commercial ? '' : ' (non-commercial use only)'}. ImageNet-1k top-1 {entry.accuracy.top1}%, top-5 {entry.accuracy.top5}% ({entry.accuracy.source}).
          </p>
          <p>Preprocessing: {describePreprocess(entry.preprocess)} ({entry.preprocessSource}).</p>
          {need && <p>Memory: {describeMemory(need)}{active ? ` on ${active}` : ''}. Downloaded once, then read from the browser cache.</p>}
          {problem && <p className="field-error">Cannot be loaded here: {problem}.</p>}
        </div>
      )}
      {loading && progress && (
        <div>
          <progress aria-label="Weights download" value={progress.loaded} max={progress.total ?? undefined} />
          <span className="muted small">{humanCount(progress.loaded)}B{progress.total ? ` of ${humanCount(progress.total)}B` : ''}</span>
        </div>
      )}
      {error && <p className="field-error" role="alert">Could not load the weights: {error}</p>}
      {weights ? (
        <p className="status" role="status">
          Loaded {describeLoaded(weights)} from {weights.source}.{weights.pretrained ? ` Catalogue entry ${weights.pretrained}.` : ''}
        </p>
      ) : (
        !loading && <p className="muted">No weights loaded. A prediction needs trained weights; this app never shows predictions from random ones.</p>
      )}
      {weights && configured.differs && (
        <p className="hint">
          The weights describe a different network from the one configured ({formatInputSize(configured.input)} input).{' '}
          <button type="button" onClick={configured.useWeightsNetwork}>Configure the weights' network</button>
        </p>
      )}
      <Catalogue selected={entry} capacity={capacity} active={active} onChoose={(e) => setUrl(e.url)} />
    </section>
  );
}
