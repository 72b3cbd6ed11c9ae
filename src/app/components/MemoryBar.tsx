/** Training memory at a batch as one stacked bar against the device's memory: fits or not, and the largest batch that fits. */
import { humanBytes } from '../../analysis/cost.ts';
import { thousands } from '../format.ts';

export interface MemoryPart {
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
  const total = parts.reduce((s, p) => s + p.bytes, 0);
  const fits = total <= capacity;
  const scale = Math.max(total, capacity) * 1.04;
  const pct = (v: number) => `${((v / scale) * 100).toFixed(3)}%`;
  const verdict = `${humanBytes(total)} at batch ${thousands(batch)} ${fits ? 'fits' : 'does not fit'} in the ${humanBytes(capacity)} of the ${deviceLabel}`;
  return (
    <figure className="chart memory-bar" aria-label="Training memory">
      <h3>Training memory <span className="muted small">(batch {thousands(batch)})</span></h3>
      <div className="bar" role="img" aria-label={`${verdict}: ${parts.map((p) => `${p.label} ${humanBytes(p.bytes)}`).join(', ')}`}>
        {parts.map((p) => <span key={p.label} className="seg" style={{ width: pct(p.bytes), background: p.color }} title={`${p.label}: ${humanBytes(p.bytes)}`} />)}
        <span className="capacity" style={{ left: pct(capacity) }} title={`device memory: ${humanBytes(capacity)}`} />
      </div>
      <ul className="memory-legend">
        {parts.map((p) => <li key={p.label} style={{ ['--swatch' as string]: p.color }}><span>{p.label}</span> <span className="num">{humanBytes(p.bytes)}</span></li>)}
        <li className="capacity-key"><span>device memory</span> <span className="num">{humanBytes(capacity)}</span></li>
      </ul>
      <p className={fits ? 'verdict ok' : 'verdict bad'} data-testid="memory-verdict">
        <strong>{fits ? 'fits' : 'does not fit'}</strong>: {verdict}. Largest batch that fits: <strong data-testid="largest-batch">{thousands(largest)}</strong>.
      </p>
    </figure>
  );
}
