/**
 * "Why ResNeXt is slower than its FLOPs": the current network beside its ResNet counterpart (C = 1,
 * d = 64, same depths) on MACs, activations, bytes moved and predicted time, with the paper's and
 * RegNet's measured figures as published facts (src/analysis/published-speed.ts) and what the model misses.
 */
import { humanBytes, type CostReport } from '../../analysis/cost.ts';
import { PUBLISHED_SPEED } from '../../analysis/published-speed.ts';
import { humanCount, thousands } from '../format.ts';
import { msText } from './RooflineChart.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { publishedSpeedText } from '../i18n/data.ts';
import type { Message } from '../../model/message.ts';
import { TableWrap } from './TableWrap.tsx';

function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}×` : '—';
}

export function WhyResNeXt({ current, counterpart, counterpartError }: { current: CostReport; counterpart: CostReport | null; counterpartError: Message | null }) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  const c = current.graph.config;
  const same = c.cardinality === 1 && c.widthPerGroup === 64;
  const bytes = (r: CostReport) => r.layers.reduce((s, l) => s + l.bytesRead + l.bytesWritten, 0);
  const grouped = (r: CostReport) => r.layers.filter((l) => {
    const n = r.graph.nodes[l.nodes[0]];
    return n.kind === 'conv' && n.conv.groups > 1;
  });
  const rows: [string, (r: CostReport) => number, (v: number) => string][] = [
    [t('why.macs'), (r) => r.totals.macs, (v) => `${humanCount(v)}`],
    [t('why.activations'), (r) => r.totals.convActivations, (v) => `${humanCount(v)}`],
    [t('why.bytes', { batch: thousands(current.options.batch) }), bytes, (v) => humanBytes(v)],
    [t('why.time'), (r) => r.totals.predictedMs, msText],
  ];
  const g = grouped(current);
  const gShare = g.reduce((s, l) => s + l.ms, 0) / current.totals.predictedMs;
  return (
    <section className="card why" aria-labelledby="why-title">
      <h3 id="why-title">{t('why.title')}</h3>
      {same ? (
        <p className="muted">{t('why.same')}</p>
      ) : counterpart ? (
        <TableWrap>
          <table className="data" aria-label={t('why.table')}>
            <thead>
              <tr>
                <th scope="col">{t('why.figure')}</th>
                <th scope="col" className="num">{t('why.current', { c: c.cardinality, d: c.widthPerGroup })}</th>
                <th scope="col" className="num">{t('why.counterpart')}</th>
                <th scope="col" className="num">{t('why.ratio')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([label, f, fmt]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td className="num">{fmt(f(current))}</td>
                  <td className="num">{fmt(f(counterpart))}</td>
                  <td className="num">{ratio(f(current), f(counterpart))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : (
        <p className="field-error" role="alert">{t('why.cannotCost', { error: counterpartError ? msg(counterpartError) : '' })}</p>
      )}
      <div className="published">
        <h4>{t('why.published')}</h4>
        <ul>
          {PUBLISHED_SPEED.map((p) => {
            const [a, b] = p.figures;
            const words = publishedSpeedText(i18n, p);
            const figures = p.figures.map((f) => {
              const value = f.unit === 's' ? f.value.toFixed(2) : String(f.value);
              return f.gflops
                ? t('why.figureWithFlops', { label: f.label, value, unit: f.unit, gflops: f.gflops, activations: (f.activations! / 1e6).toFixed(1) })
                : t('why.figurePlain', { label: f.label, value, unit: f.unit });
            }).join(t('why.vs'));
            return (
              <li key={p.source}>
                {t('why.fact', { figures, what: words.what, device: words.device, ratio: (a.value / b.value).toFixed(2) })} <cite>{words.source}</cite>
              </li>
            );
          })}
        </ul>
      </div>
      <p className="explain">
        {t('why.explain')}
        {g.length > 0 && ` ${t('why.share', { count: g.length, share: (gShare * 100).toFixed(0) })}`}
      </p>
    </section>
  );
}
