/**
 * What the engine keeps in Cache Storage: each downloaded weights file (name, URL, size, when it was
 * saved), with buttons to clear one or all and to download one again. Read again whenever weights are
 * loaded or a load ends, since only weights that loaded are kept.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CachedWeights, LoadedWeights } from '../../model/engine/protocol.ts';
import { formatBytes } from '../../model/memory.ts';
import { messageFromError, type Message } from '../../model/message.ts';
import { getEngine } from '../engine.ts';
import { useI18n } from '../i18n/I18n.tsx';
import './Downloads.css';

interface WeightsCachePanelProps {
  /** The loaded weights and whether a load runs: the list is read again when either changes. */
  loaded: LoadedWeights | null;
  loading: boolean;
  /** Loads a URL (after its entry is cleared, so it downloads again). */
  onRedownload: (url: string) => void;
}

export function WeightsCachePanel({ loaded, loading, onRedownload }: WeightsCachePanelProps) {
  const { t, msg, locale } = useI18n();
  const [entries, setEntries] = useState<CachedWeights[] | null>(null);
  const [error, setError] = useState<Message | null>(null);

  const refresh = useCallback(async () => {
    try {
      const list = await (await getEngine()).cachedWeights();
      setEntries(list);
      setError(null);
    } catch (e) {
      setError(messageFromError(e));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh, loaded, loading]);

  const clear = async (url?: string) => {
    try {
      await (await getEngine()).clearCachedWeights(url);
    } catch (e) {
      setError(messageFromError(e));
    }
    await refresh();
  };

  const redownload = async (url: string) => {
    await clear(url);
    onRedownload(url);
  };

  const date = (iso: string | null) => (iso ? new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }) : t('downloads.unknownDate'));
  const total = (entries ?? []).reduce((s, e) => s + e.bytes, 0);
  return (
    <section className="weights-cache" aria-labelledby="weights-cache-title">
      <h4 id="weights-cache-title">{t('downloads.cache')}</h4>
      <p className="muted small">{t('downloads.cacheNote')}</p>
      {error && <p className="field-error" role="alert">{t('downloads.cacheError', { error: msg(error) })}</p>}
      {entries && entries.length === 0 && <p className="muted">{t('downloads.cacheEmpty')}</p>}
      {entries && entries.length > 0 && (
        <>
          <ul className="cache-list" aria-labelledby="weights-cache-title">
            {entries.map((e) => (
              <li key={e.url} aria-label={e.name}>
                <div className="cache-name">
                  <strong>{e.name}</strong>
                  <span className="muted small own-line cache-url">{e.url}</span>
                </div>
                <dl className="cat-facts">
                  <div><dt>{t('downloads.size')}</dt><dd>{formatBytes(e.bytes)}</dd></div>
                  <div><dt>{t('downloads.saved')}</dt><dd>{date(e.savedAt)}</dd></div>
                </dl>
                <div className="cache-actions">
                  <button type="button" aria-label={t('downloads.redownloadLabel', { name: e.name })} disabled={loading} onClick={() => void redownload(e.url)}>{t('downloads.redownload')}</button>
                  <button type="button" aria-label={t('downloads.clearLabel', { name: e.name })} onClick={() => void clear(e.url)}>{t('downloads.clear')}</button>
                </div>
              </li>
            ))}
          </ul>
          <p className="toolbar">
            <span className="muted small">{t('downloads.cacheTotal', { count: entries.length, size: formatBytes(total) })}</span>
            <button type="button" onClick={() => void clear()}>{t('downloads.clearAll')}</button>
          </p>
        </>
      )}
    </section>
  );
}
