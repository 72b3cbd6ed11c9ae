/**
 * The checkpoint catalogue as a searchable, filterable list (it holds hundreds of tags): a search field (tag,
 * label, architecture), filters by architecture family, licence and input size, the proposed entry (the
 * configured network's) first, and a few rows at a time with "show more", so that what follows the list
 * (the image input) stays near on a phone. Each row: accuracy with its source, preprocessing (and the
 * test size classification uses), licence, size, and why it cannot be loaded here.
 */
import { useMemo, useState } from 'react';
import type { BackendCapacity, BackendName } from '../../model/engine/protocol.ts';
import { formatBytes, memoryProblemMessage } from '../../model/memory.ts';
import type { Message } from '../../model/message.ts';
import { cropNote } from '../../model/preprocess.ts';
import { findPreset, type PresetFamily } from '../../model/presets.ts';
import { evalPreprocess, hasArchitecture, pretrainedMemory, type Catalogue, type PretrainedEntry } from '../../model/pretrained.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { appMessage } from '../i18n/translator.ts';
import { accuracySourceLabel } from '../i18n/data.ts';

/** Rows shown at first and added by each "show more". */
const PAGE = 8;

/** Why an entry cannot be loaded here (its architecture is missing, it has no classifier, the backend cannot hold it), or null. */
export function entryProblem(entry: PretrainedEntry, capacity: BackendCapacity | null): Message | null {
  if (!hasArchitecture(entry)) return appMessage('run.noArchitecture', { architecture: entry.architecture });
  if (entry.classes.count === 0) return appMessage('run.noClassifier', {});
  const need = pretrainedMemory(entry);
  return need && capacity ? memoryProblemMessage(need, capacity) : null;
}

function familyOf(e: PretrainedEntry): PresetFamily | null {
  return findPreset(e.architecture)?.family ?? null;
}

/** Whether an entry matches every word of the search (in its tag, label or architecture). */
function matches(e: PretrainedEntry, query: string): boolean {
  const text = `${e.tag} ${e.label} ${e.architecture}`.toLowerCase();
  return query.toLowerCase().split(/\s+/).filter(Boolean).every((w) => text.includes(w));
}

interface Props {
  catalogue: Catalogue;
  /** The configured network's checkpoint, listed first. */
  proposed: PretrainedEntry | undefined;
  selected: PretrainedEntry | undefined;
  capacity: BackendCapacity | null;
  active: BackendName | null;
  onChoose: (e: PretrainedEntry) => void;
}

export function CatalogueList({ catalogue, proposed, selected, capacity, active, onChoose }: Props) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  const [query, setQuery] = useState('');
  const [family, setFamily] = useState('');
  const [licence, setLicence] = useState('');
  const [size, setSize] = useState('');
  const [shown, setShown] = useState(PAGE);
  const entries = catalogue.entries;
  const families = useMemo(() => [...new Set(entries.map(familyOf).filter((f): f is PresetFamily => f !== null))], [entries]);
  const licences = useMemo(() => [...new Map(entries.map((e) => [e.license.id, e.license])).values()], [entries]);
  const sizes = useMemo(() => [...new Set(entries.map((e) => evalPreprocess(e).inputSize))].sort((a, b) => a - b), [entries]);
  const list = useMemo(() => {
    const hits = entries.filter((e) => matches(e, query) && (!family || familyOf(e) === family) && (!licence || e.license.id === licence)
      && (!size || evalPreprocess(e).inputSize === Number(size)));
    const rank = (e: PretrainedEntry) => (e === proposed ? 0 : e === selected ? 1 : 2);
    return hits.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i).map((x) => x.e);
  }, [entries, query, family, licence, size, proposed, selected]);
  const filter = (setter: (v: string) => void) => (v: string) => {
    setter(v);
    setShown(PAGE);
  };
  return (
    <div className="catalogue" role="region" aria-labelledby="catalogue-title">
      <h4 id="catalogue-title">{t('run.catalogue')} <span className="muted small">{t('run.catalogueNote', { count: entries.length })}</span></h4>
      <div className="catalogue-filters" role="search">
        <div className="field">
          <label htmlFor="catalogue-search">{t('run.catalogueSearch')}</label>
          <input id="catalogue-search" type="search" value={query} placeholder="resnet50.a1, ResNeXt, swsl…" onChange={(ev) => filter(setQuery)(ev.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="catalogue-family">{t('run.catalogueFamily')}</label>
          <select id="catalogue-family" value={family} onChange={(ev) => filter(setFamily)(ev.target.value)}>
            <option value="">{t('run.catalogueAny')}</option>
            {families.map((f) => <option key={f} value={f}>{t(`panel.family.${f}`)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="catalogue-licence">{t('run.licence')}</label>
          <select id="catalogue-licence" value={licence} onChange={(ev) => filter(setLicence)(ev.target.value)}>
            <option value="">{t('run.catalogueAny')}</option>
            {licences.map((l) => <option key={l.id} value={l.id}>{l.commercial ? l.name : `${l.name} (${t('run.nonCommercial')})`}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="catalogue-size">{t('run.catalogueSize')}</label>
          <select id="catalogue-size" value={size} onChange={(ev) => filter(setSize)(ev.target.value)}>
            <option value="">{t('run.catalogueAny')}</option>
            {sizes.map((s) => <option key={s} value={s}>{s}×{s}</option>)}
          </select>
        </div>
      </div>
      <p className="muted small" role="status" id="catalogue-count">
        {list.length === 0 ? t('run.catalogueNone') : t('run.catalogueShown', { shown: Math.min(shown, list.length), count: list.length, total: entries.length })}
      </p>
      <ul aria-labelledby="catalogue-title">
        {list.slice(0, shown).map((e) => {
          const need = pretrainedMemory(e);
          const problem = entryProblem(e, capacity);
          const on = selected?.tag === e.tag;
          return (
            <li key={e.tag} className={on ? 'on' : undefined} aria-label={e.label}>
              <div className="cat-name">
                <strong>{e.label}</strong>
                <span className="muted small own-line">{e.tag}</span>
                {e === proposed && <span className="badge">{t('run.proposed')}</span>}
              </div>
              <dl className="cat-facts">
                <div>
                  <dt>{t('run.top1top5')}</dt>
                  <dd>{e.accuracy
                    ? <>{e.accuracy.top1}% / {e.accuracy.top5}% <span className="muted small own-line">{accuracySourceLabel(i18n, e)}</span></>
                    : <span className="muted">{t('run.noAccuracy')}</span>}</dd>
                </div>
                <div>
                  <dt>{t('run.preprocessing')}</dt>
                  <dd>{cropNote(e.preprocess)}{e.testPreprocess && <span className="muted small own-line">{t('run.testSize', { note: cropNote(e.testPreprocess) })}</span>}</dd>
                </div>
                <div>
                  <dt>{t('run.licence')}</dt>
                  <dd>{e.license.name}{!e.license.commercial && <span className="badge no">{t('run.nonCommercial')}</span>}</dd>
                </div>
                <div>
                  <dt>{t('run.size')}</dt>
                  <dd>{need ? formatBytes(need.fileBytes) : '—'}{problem && (
                    <span className="field-error small own-line">
                      {t('run.problem', { where: hasArchitecture(e) && e.classes.count > 0 ? t('run.notOn', { backend: active ?? '' }) : t('run.notLoadable'), problem: msg(problem) })}
                    </span>
                  )}</dd>
                </div>
              </dl>
              <button type="button" aria-label={t('run.choose', { label: e.label })} aria-pressed={on} onClick={() => onChoose(e)}>{on ? t('run.chosen') : t('run.chooseButton')}</button>
            </li>
          );
        })}
      </ul>
      {list.length > shown && (
        <div className="toolbar catalogue-more">
          <button type="button" onClick={() => setShown((n) => n + PAGE)}>{t('run.catalogueMore', { n: Math.min(PAGE, list.length - shown) })}</button>
          <button type="button" onClick={() => setShown(list.length)}>{t('run.catalogueAll', { count: list.length })}</button>
        </div>
      )}
    </div>
  );
}
