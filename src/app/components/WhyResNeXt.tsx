/**
 * "Why ResNeXt is slower than its FLOPs": the current network beside the dense network of its FLOPs class
 * (its ResNet, C = 1, d = 64, when that is within 10% of its MACs; else the C = 1 network of the same depth
 * whose width matches them), on MACs, activations, bytes moved and the time model's inference and training
 * time, where the time goes by kind of layer, what the grouped convs reach of the device's peak and why, and
 * the published measurements (src/analysis/published-speed.ts, timing/published.ts) beside the model's ratio.
 */
import { useMemo } from 'react';
import { humanBytes, type Counterpart, type CostReport } from '../../analysis/cost.ts';
import { findDevice } from '../../analysis/devices.ts';
import { PUBLISHED_SPEED } from '../../analysis/published-speed.ts';
import { layerCategory, type LayerCategory } from '../../analysis/roofline.ts';
import { constantsFor } from '../../analysis/timing/constants.ts';
import { matrixPath } from '../../analysis/timing/precision.ts';
import { inferenceTime, trainingStepTime } from '../../analysis/timing/predict.ts';
import { timeSetting } from '../../analysis/timing/layers.ts';
import { predictPublished, publishedFor } from '../../analysis/timing/published.ts';
import { findPreset, matchPreset, presetConfig } from '../../model/presets.ts';
import { graphOf } from '../graphs.ts';
import { humanCount, thousands } from '../format.ts';
import { msText } from './RooflineChart.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { categoryLabel, publishedSpeedText } from '../i18n/data.ts';
import type { Message } from '../../model/message.ts';
import { TableWrap } from './TableWrap.tsx';

function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}×` : '—';
}

/** Predicted time ratio of a published pair in its own setting (RegNet Table 3: V100 inference; the paper: 8 M40s training). */
function predictedRatio(p: (typeof PUBLISHED_SPEED)[number]): number | null {
  const s = p.setting;
  const device = findDevice(s.device);
  if (!device) return null;
  const setting = timeSetting(device, 'float32', 'nchw');
  const time = (preset: string) => {
    const g = graphOf(presetConfig(preset));
    return s.mode === 'inference' ? inferenceTime(g, s.batch, setting).seconds : trainingStepTime(g, s.batch, 'momentum', s.gpus, setting).seconds;
  };
  return time(p.figures[0].preset) / time(p.figures[1].preset);
}

function byCategory(r: CostReport): Map<LayerCategory, number> {
  const out = new Map<LayerCategory, number>();
  for (const l of r.layers) {
    const c = layerCategory(r.graph.nodes[l.nodes[0]]);
    out.set(c, (out.get(c) ?? 0) + l.ms);
  }
  return out;
}

export function WhyResNeXt({ current, counterpart, which, counterpartError }: { current: CostReport; counterpart: CostReport | null; which: Counterpart | null; counterpartError: Message | null }) {
  const i18n = useI18n();
  const { t, msg } = i18n;
  const c = current.graph.config;
  const same = which === null;
  const device = current.options.device;
  const bytes = (r: CostReport) => r.layers.reduce((s, l) => s + l.bytesRead + l.bytesWritten, 0);
  const rows: [string, (r: CostReport) => number | null, (v: number) => string][] = [
    [t('why.macs'), (r) => r.totals.macs, (v) => `${humanCount(v)}`],
    [t('why.activations'), (r) => r.totals.convActivations, (v) => `${humanCount(v)}`],
    [t('why.bytes', { batch: thousands(current.options.batch) }), bytes, (v) => humanBytes(v)],
    [t('why.time', { batch: thousands(current.options.batch) }), (r) => r.totals.predictedMs, msText],
    [t('why.step'), (r) => r.training?.stepMs ?? null, msText],
  ];
  const counterpartName = which
    ? which.standard
      ? matchPreset(which.config)?.label ?? t('why.resnet')
      : t('why.widened', { d: which.config.widthPerGroup, resnet: matchPreset({ ...which.config, widthPerGroup: 64 })?.label ?? t('why.resnet') })
    : '';
  const plain = which ? matchPreset({ ...which.config, widthPerGroup: 64 })?.label ?? t('why.resnet') : '';

  // Where the time goes: the difference per kind of layer.
  const kinds = useMemo(() => {
    if (!counterpart) return [];
    const a = byCategory(current);
    const b = byCategory(counterpart);
    return [...new Set([...a.keys(), ...b.keys()])]
      .map((k) => ({ k, a: a.get(k) ?? 0, b: b.get(k) ?? 0 }))
      .sort((x, y) => Math.abs(y.a - y.b) - Math.abs(x.a - x.b));
  }, [current, counterpart]);

  // The grouped convs: share of MACs and time, the peak they reach, their tiles and channels per group.
  const grouped = current.layers.filter((l) => {
    const n = current.graph.nodes[l.nodes[0]];
    return n.kind === 'conv' && n.conv.groups > 1;
  });
  const dense3 = (counterpart ?? current).layers.filter((l) => {
    const n = (counterpart ?? current).graph.nodes[l.nodes[0]];
    return n.kind === 'conv' && n.conv.groups === 1 && n.conv.kernel === 3 && n.stage > 0;
  });
  const sum = (ls: typeof grouped, f: (l: (typeof grouped)[number]) => number) => ls.reduce((s, l) => s + f(l), 0);
  const peak = matrixPath(device, current.options.dtype).tflops * 1e12;
  const reach = (ls: typeof grouped) => (sum(ls, (l) => l.flops) / (sum(ls, (l) => l.ms) / 1000)) / peak;
  const cpg = [...new Set(grouped.map((l) => {
    const n = current.graph.nodes[l.nodes[0]];
    return n.kind === 'conv' ? n.conv.inChannels / n.conv.groups : 0;
  }))].sort((x, y) => x - y);
  const unit = grouped[0]?.unit ?? 'simt';
  const constants = constantsFor(device);
  const nTile = unit === 'tensor' ? constants.tensorCores.nTile : constants.simt.nTile;

  // Measured pairs of the same setting, where both networks have a published row.
  const pairs = useMemo(() => {
    if (!counterpart) return [];
    const o = current.options;
    const out: { measured: number; predicted: number; source: string }[] = [];
    for (const mode of ['inference', 'training'] as const) {
      const mine = publishedFor(current.graph.config, device.name, o.dtype, o.layout, mode);
      const theirs = publishedFor(counterpart.graph.config, device.name, o.dtype, o.layout, mode);
      for (const a of mine) {
        const b = theirs.find((x) => x.table.id === a.table.id);
        if (!b) continue;
        const pa = predictPublished(a, current.graph);
        const pb = predictPublished(b, counterpart.graph);
        out.push({ measured: a.ms / a.batch / (b.ms / b.batch), predicted: pa / a.batch / (pb / b.batch), source: `${a.table.repo} ${a.table.files[0]} (${a.table.software}${mode === 'training' ? `, ${t('why.trainingStep')}` : ''})` });
      }
    }
    return out;
  }, [current, counterpart, device.name, t]);
  const facts = useMemo(() => PUBLISHED_SPEED.map((p) => ({ p, predicted: predictedRatio(p) })), []);

  return (
    <section className="card why" aria-labelledby="why-title">
      <h3 id="why-title">{t('why.title')}</h3>
      {same ? (
        <p className="muted">{t('why.same')}</p>
      ) : counterpart && which ? (
        <>
          <p>
            {which.standard
              ? t('why.sameFlops', { counterpart: counterpartName, ratio: (1 / which.resnetMacsRatio).toFixed(2) })
              : t('why.notSameFlops', { resnet: plain, ratio: (1 / which.resnetMacsRatio).toFixed(1), counterpart: counterpartName, d: which.config.widthPerGroup })}
          </p>
          <TableWrap>
            <table className="data" aria-label={t('why.table')}>
              <thead>
                <tr>
                  <th scope="col">{t('why.figure')}</th>
                  <th scope="col" className="num">{t('why.current', { c: c.cardinality, d: c.widthPerGroup })}</th>
                  <th scope="col" className="num">{counterpartName}</th>
                  <th scope="col" className="num">{t('why.ratio')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(([label, f, fmt]) => {
                  const a = f(current);
                  const b = f(counterpart);
                  return (
                    <tr key={label}>
                      <th scope="row">{label}</th>
                      <td className="num">{a === null ? '—' : fmt(a)}</td>
                      <td className="num">{b === null ? '—' : fmt(b)}</td>
                      <td className="num">{a === null || b === null ? '—' : ratio(a, b)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
          <TableWrap>
            <table className="data" aria-label={t('why.kinds')}>
              <caption>{t('why.kindsCaption', { batch: thousands(current.options.batch) })}</caption>
              <thead><tr><th scope="col">{t('why.kind')}</th><th scope="col" className="num">{t('why.thisNetwork')}</th><th scope="col" className="num">{counterpartName}</th><th scope="col" className="num">{t('why.difference')}</th></tr></thead>
              <tbody>
                {kinds.map((k) => (
                  <tr key={k.k}><th scope="row">{categoryLabel(i18n, k.k)}</th><td className="num">{msText(k.a)}</td><td className="num">{msText(k.b)}</td><td className="num">{`${k.a >= k.b ? '+' : '−'}${msText(Math.abs(k.a - k.b))}`}</td></tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {grouped.length > 0 && (
            <p className="explain" data-testid="why-evidence">
              {t('why.evidence', {
                count: grouped.length, macs: ((sum(grouped, (l) => l.macs) / (current.totals.macs * current.options.batch)) * 100).toFixed(1),
                share: ((sum(grouped, (l) => l.ms) / current.totals.layersMs) * 100).toFixed(0), reach: (reach(grouped) * 100).toFixed(1),
                unit: t(`why.unit.${unit}`), cpg: cpg.join(', '), tile: nTile,
                dense: dense3.length > 0 ? (reach(dense3) * 100).toFixed(0) : '—',
              })}
            </p>
          )}
        </>
      ) : (
        <p className="field-error" role="alert">{t('why.cannotCost', { error: counterpartError ? msg(counterpartError) : '' })}</p>
      )}
      <div className="published">
        <h4>{t('why.published')}</h4>
        <ul>
          {pairs.map((p) => (
            <li key={p.source}>{t('why.pair', { measured: p.measured.toFixed(2), predicted: p.predicted.toFixed(2), current: findPreset(matchPreset(c)?.name ?? '')?.label ?? t('why.thisNetwork'), counterpart: counterpartName })} <cite>{p.source}</cite></li>
          ))}
          {facts.map(({ p, predicted }) => {
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
                {t('why.fact', { figures, what: words.what, device: words.device, ratio: (a.value / b.value).toFixed(2), predicted: predicted === null ? '—' : predicted.toFixed(2) })} <cite>{words.source}</cite>
              </li>
            );
          })}
        </ul>
      </div>
    </section>
  );
}
