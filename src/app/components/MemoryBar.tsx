/** Training memory at a batch as one stacked bar against the device's memory: fits or not, and the largest batch that fits. */
import { humanBytes } from '../../analysis/cost.ts';
import { thousands } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { appMessage } from '../i18n/translator.ts';
import { Rich } from '../i18n/Rich.tsx';

interface MemoryPart {
  label: string;
  bytes: number;
  color: string;
}

export function MemoryBar({ parts, capacity, deviceLabel, batch, largest }: {
  parts: MemoryPart[];
  capacity: number;
  deviceLabel: string;
  batch: number;
  largest: number;
}) {
  const { t } = useI18n();
  const total = parts.reduce((s, p) => s + p.bytes, 0);
  const fits = total <= capacity;
  const scale = Math.max(total, capacity) * 1.04;
  const pct = (v: number) => `${((v / scale) * 100).toFixed(3)}%`;
  const figures = { total: humanBytes(total), batch: thousands(batch), capacity: humanBytes(capacity), device: deviceLabel };
  const verdict = t(fits ? 'memoryBar.fits' : 'memoryBar.doesNotFit', figures);
  return (
    <figure className="chart memory-bar" aria-label={t('memoryBar.title')}>
      <h3>{t('memoryBar.title')} <span className="muted small">{t('memoryBar.batch', { batch: thousands(batch) })}</span></h3>
      <div className="bar" role="img" aria-label={t('memoryBar.parts', { verdict, parts: parts.map((p) => appMessage('memoryBar.part', { label: p.label, bytes: humanBytes(p.bytes) })) })}>
        {parts.map((p) => <span key={p.label} className="seg" style={{ width: pct(p.bytes), background: p.color }} title={t('memoryBar.segment', { label: p.label, bytes: humanBytes(p.bytes) })} />)}
        <span className="capacity" style={{ left: pct(capacity) }} title={t('memoryBar.deviceMemoryTitle', { bytes: humanBytes(capacity) })} />
      </div>
      <ul className="memory-legend">
        {parts.map((p) => <li key={p.label} style={{ ['--swatch' as string]: p.color }}><span>{p.label}</span> <span className="num">{humanBytes(p.bytes)}</span></li>)}
        <li className="capacity-key"><span>{t('memoryBar.deviceMemory')}</span> <span className="num">{humanBytes(capacity)}</span></li>
      </ul>
      <p className={fits ? 'verdict ok' : 'verdict bad'} data-testid="memory-verdict">
        <Rich text={t('memoryBar.verdict', { word: t(fits ? 'costView.fits' : 'costView.doesNotFit'), verdict, largest: thousands(largest) })} />
      </p>
    </figure>
  );
}
