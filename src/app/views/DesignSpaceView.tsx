/**
 * The RegNet design space (Radosavovic et al. 2020): the current RegNet's per-block widths u_j = w0 + wa·j
 * and their quantized steps (a d3 chart, and its stages as a table), the current point's params, FLOPs
 * and activations, and a seeded population sampled from ranges the user constrains, as a FLOPs scatter
 * against params or activations with the published RegNets (pycls's errors) and the ResNeXt presets
 * that are AnyNet points placed on it. Sampling runs in chunks between timeouts: the page stays responsive.
 */
import { scaleLinear } from 'd3';
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { isRegNet, regnetOf, type NetworkConfig } from '../../model/config.ts';
import { buildLayerGraph } from '../../model/graph.ts';
import { PRESETS, presetConfig } from '../../model/presets.ts';
import { isAnyNetPoint, PAPER_RANGES, pointOf, samplePopulation, type SampledPoint, type SpacePoint, type SpaceRanges } from '../../analysis/design-space.ts';
import { humanCount, thousands, tickCount } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { LogScatter, type ScatterDot } from '../components/LogScatter.tsx';
import { TableWrap } from '../components/TableWrap.tsx';
import { useStore } from '../store.ts';
import { withConfig, type AppState } from '../state.ts';
import { messageFromError } from '../../model/message.ts';
import './cost.css';
import './design.css';
import { ViewHead } from '../components/ViewHead.tsx';

const W = 720;
const H = 260;
const M = { top: 12, right: 16, bottom: 36, left: 56 };

function WidthChart({ config, name }: { config: NetworkConfig; name: string }) {
  const { t } = useI18n();
  const design = regnetOf(config);
  const d = design.continuous.length;
  const finals: number[] = [];
  design.stages.forEach((s) => { for (let i = 0; i < s.depth; i++) finals.push(s.width); });
  const top = Math.max(...design.continuous, ...design.quantized, ...finals);
  const x = scaleLinear().domain([0, Math.max(1, d)]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([0, top * 1.08]).range([H - M.bottom, M.top]).nice();
  const steps = (values: number[]) => values.map((v, j) => `${x(j)},${y(v)} ${x(j + 1)},${y(v)}`).join(' ');
  return (
    <figure className="ds-chart">
      <div className="plot">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={name}>
        <g className="grid">
          {y.ticks(5).map((v) => <line key={v} x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} />)}
        </g>
        <g className="axis" aria-hidden="true">
          <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} />
          <line x1={M.left} x2={M.left} y1={M.top} y2={H - M.bottom} />
          {y.ticks(5).map((v) => <text key={v} x={M.left - 6} y={y(v) + 3} textAnchor="end">{v}</text>)}
          {x.ticks(Math.min(d, 10)).filter(Number.isInteger).map((j) => <text key={j} x={x(j)} y={H - M.bottom + 14} textAnchor="middle">{j}</text>)}
          <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle">{t('ds.chart.x')}</text>
          <text transform={`translate(12,${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle">{t('ds.chart.y')}</text>
        </g>
        <polyline className="ds-linear" points={[0, d - 1].map((j) => `${x(j + 0.5)},${y(config.w0 + config.wa * j)}`).join(' ')} />
        {design.continuous.map((u, j) => <circle key={j} className="ds-u" cx={x(j + 0.5)} cy={y(u)} r={2.5} />)}
        <polyline className="ds-quantized" points={steps(design.quantized)} />
        <polyline className="ds-final" points={steps(finals)} />
      </svg>
      </div>
      <figcaption className="legend">
        <span className="ds-key-linear">{t('ds.chart.linear')}</span>
        <span className="ds-key-quantized">{t('ds.chart.quantized')}</span>
        <span className="ds-key-final">{t('ds.chart.final')}</span>
      </figcaption>
    </figure>
  );
}

function Figures({ point }: { point: SpacePoint }) {
  const { t } = useI18n();
  return (
    <dl className="totals">
      <div><dt>{t('ds.params')}</dt><dd data-testid="ds-params">{humanCount(point.params)}<span className="unit">{thousands(point.params)}</span></dd></div>
      <div><dt>{t('ds.flops')}</dt><dd data-testid="ds-flops">{humanCount(point.macs)}<span className="unit">{thousands(point.macs)}</span></dd></div>
      <div><dt>{t('ds.activations')}</dt><dd data-testid="ds-activations">{humanCount(point.activations)}<span className="unit">{thousands(point.activations)}</span></dd></div>
    </dl>
  );
}

function RangeField({ label, hint, children }: { label: string; hint?: string; children: (ids: { id: string; describedBy?: string }) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy: hint ? `${id}-hint` : undefined })}
      {hint && <div id={`${id}-hint`} className="hint">{hint}</div>}
    </div>
  );
}

/** "lo-hi" text of a range, and back (null for text that is no range). */
function rangeText([lo, hi]: readonly number[]): string {
  return `${lo}-${hi}`;
}
function parseRange(text: string): [number, number] | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}
function parseList(text: string): number[] | null {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean).map(Number);
  return parts.length && parts.every((p) => Number.isFinite(p) && p > 0) ? parts : null;
}

const SIZES = [100, 300, 1000];


export function DesignSpaceView({ state }: { state: AppState }) {
  const i18n = useI18n();
  const { t } = i18n;
  const store = useStore();
  const config = state.config;
  const regnet = isRegNet(config);
  const current = useMemo(() => pointOf({ ...config, input: [3, 224, 224] }), [config]);
  const stages = useMemo(() => buildLayerGraph(config).stages.filter((s) => s.index > 0 && s.planes !== undefined), [config]);

  const [texts, setTexts] = useState({
    depth: rangeText(PAPER_RANGES.depth), w0: rangeText(PAPER_RANGES.w0), wa: rangeText(PAPER_RANGES.wa), wm: rangeText(PAPER_RANGES.wm),
    g: PAPER_RANGES.groupWidths.join(','), b: PAPER_RANGES.bottleneckRatios.join(','),
  });
  const [se, setSe] = useState(0);
  const [fourStages, setFourStages] = useState(true);
  const [size, setSize] = useState(SIZES[0]);
  const [seed, setSeed] = useState(1);
  const [yAxis, setYAxis] = useState<'params' | 'activations'>('params');
  const [population, setPopulation] = useState<readonly SampledPoint[]>([]);
  const [status, setStatus] = useState<'sampling' | 'done'>('sampling');
  const [error, setError] = useState<string | null>(null);
  const [request, setRequest] = useState(0);
  const run = useRef(0);

  const ranges = useMemo((): SpaceRanges | null => {
    const depth = parseRange(texts.depth);
    const w0 = parseRange(texts.w0);
    const wa = parseRange(texts.wa);
    const wm = parseRange(texts.wm);
    const groupWidths = parseList(texts.g);
    const bottleneckRatios = parseList(texts.b);
    if (!depth || !w0 || !wa || !wm || !groupWidths || !bottleneckRatios) return null;
    return { depth, w0, wa, wm, groupWidths, bottleneckRatios, seRatio: se, fourStages };
  }, [texts, se, fourStages]);

  useEffect(() => {
    if (!ranges) return;
    const id = ++run.current;
    setStatus('sampling');
    setError(null);
    setPopulation([]);
    samplePopulation(ranges, size, seed, {
      chunk: 12,
      yieldTo: () => new Promise((resolve) => setTimeout(resolve, 0)),
      onChunk: (points) => { if (run.current === id) setPopulation([...points]); },
      cancelled: () => run.current !== id,
    }).then(() => { if (run.current === id) setStatus('done'); }, (e) => { if (run.current === id) { setError(i18n.msg(messageFromError(e))); setStatus('done'); } });
    return () => { run.current += 1; };
    // `request` reruns the same ranges on demand.
  }, [ranges, size, seed, request, i18n]);

  const published = useMemo(() => PRESETS.filter((p) => isRegNet(p.config) && p.published.some((f) => f.top1Err !== undefined))
    .map((p) => ({ preset: p, point: pointOf(presetConfig(p.name)), err: p.published.find((f) => f.top1Err !== undefined)!.top1Err! })), []);
  const anynet = useMemo(() => PRESETS.filter((p) => isAnyNetPoint(p.config)).map((p) => ({ preset: p, point: pointOf(presetConfig(p.name, { input: [3, 224, 224] })) })), []);

  const yOf = (p: SpacePoint) => (yAxis === 'params' ? p.params : p.activations);
  const yFormat = (v: number) => humanCount(v);
  const dots: ScatterDot[] = [
    ...population.map((p, i) => ({
      key: `s${i}`, x: p.macs, y: yOf(p), color: 'var(--ds-sample)', label: t('ds.sample', { i: i + 1 }),
      detail: t('ds.sampleDetail', { d: p.config.regnetDepth, w0: p.config.w0, wa: p.config.wa, wm: p.config.wm, g: p.config.groupWidth, flops: humanCount(p.macs), y: yFormat(yOf(p)) }),
    })),
    ...anynet.map(({ preset, point }) => ({
      key: preset.name, x: point.macs, y: yOf(point), color: 'var(--series-2)', label: preset.label,
      detail: t('ds.anynetDetail', { flops: humanCount(point.macs), y: yFormat(yOf(point)) }),
    })),
    ...published.map(({ preset, point, err }) => ({
      key: preset.name, x: point.macs, y: yOf(point), color: preset.family === 'regnetx' ? 'var(--series-0)' : 'var(--series-1)', label: preset.label,
      detail: t('ds.publishedDetail', { err, flops: humanCount(point.macs), y: yFormat(yOf(point)) }),
    })),
    { key: 'current', x: current.macs, y: yOf(current), color: 'var(--series-3)', label: t('ds.current'), detail: t('ds.currentDetail', { flops: humanCount(current.macs), y: yFormat(yOf(current)) }) },
  ];

  const setText = (key: keyof typeof texts, value: string) => setTexts((s) => ({ ...s, [key]: value }));
  const useRegNet = () => store.update((s) => withConfig(s, presetConfig('regnetx_004')));

  return (
    <div className="view ds-view">
      <ViewHead title={t('ds.title')} lede={t('ds.lede')} />

      <section aria-labelledby="ds-current">
        <h3 id="ds-current">{t('ds.currentTitle')}</h3>
        {regnet ? (
          <>
            <p>{t('ds.rule', { d: config.regnetDepth, w0: config.w0, wa: config.wa, wm: config.wm, g: config.groupWidth, b: config.bottleneckRatio })}</p>
            <WidthChart config={config} name={t('ds.chart.name', { d: config.regnetDepth, stages: stages.length })} />
          </>
        ) : (
          <p className="hint">
            {isAnyNetPoint(config) ? t('ds.anynet') : t('ds.notAnynet')}{' '}
            <button type="button" onClick={useRegNet}>{t('ds.useRegNet')}</button>
          </p>
        )}
        <TableWrap>
          <table className="data" aria-label={t('ds.stagesTable')}>
            <thead>
              <tr>
                <th scope="col">{t('ds.col.stage')}</th><th scope="col" className="num">{t('ds.col.blocks')}</th><th scope="col" className="num">{t('ds.col.width')}</th>
                <th scope="col" className="num">{t('ds.col.bottleneck')}</th><th scope="col" className="num">{t('ds.col.groups')}</th><th scope="col" className="num">{t('ds.col.groupWidth')}</th>
              </tr>
            </thead>
            <tbody>
              {stages.map((s) => (
                <tr key={s.index}>
                  <th scope="row">{s.module}</th><td className="num">{s.blocks}</td><td className="num">{s.outChannels}</td>
                  <td className="num">{s.width}</td><td className="num">{s.groups}</td><td className="num">{s.width! / s.groups!}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
        <Figures point={current} />
      </section>

      <section aria-labelledby="ds-population">
        <h3 id="ds-population">{t('ds.populationTitle')}</h3>
        <p className="hint">{t('ds.populationLede')}</p>
        <div className="toolbar ds-controls">
          {(['depth', 'w0', 'wa', 'wm'] as const).map((k) => (
            <RangeField key={k} label={t(`ds.range.${k}`)} hint={t(`ds.range.${k}.hint`)}>
              {({ id, describedBy }) => <input id={id} type="text" autoComplete="off" value={texts[k]} aria-describedby={describedBy} aria-invalid={parseRange(texts[k]) ? undefined : true} onChange={(e) => setText(k, e.target.value)} />}
            </RangeField>
          ))}
          <RangeField label={t('ds.range.g')} hint={t('ds.range.g.hint')}>
            {({ id, describedBy }) => <input id={id} type="text" autoComplete="off" value={texts.g} aria-describedby={describedBy} aria-invalid={parseList(texts.g) ? undefined : true} onChange={(e) => setText('g', e.target.value)} />}
          </RangeField>
          <RangeField label={t('ds.range.b')} hint={t('ds.range.b.hint')}>
            {({ id, describedBy }) => <input id={id} type="text" autoComplete="off" value={texts.b} aria-describedby={describedBy} aria-invalid={parseList(texts.b) ? undefined : true} onChange={(e) => setText('b', e.target.value)} />}
          </RangeField>
          <RangeField label={t('ds.se')}>
            {({ id }) => (
              <select id={id} value={se} onChange={(e) => setSe(Number(e.target.value))}>
                <option value={0}>{t('ds.se.x')}</option>
                <option value={0.25}>{t('ds.se.y')}</option>
              </select>
            )}
          </RangeField>
          <RangeField label={t('ds.size')}>
            {({ id }) => (
              <select id={id} value={size} onChange={(e) => setSize(Number(e.target.value))}>
                {SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
              </select>
            )}
          </RangeField>
          <RangeField label={t('ds.seed')}>
            {({ id }) => <input id={id} type="text" inputMode="numeric" autoComplete="off" value={seed} onChange={(e) => { const v = Number(e.target.value); if (Number.isSafeInteger(v) && v >= 0) setSeed(v); }} />}
          </RangeField>
          <div className="field check">
            <label><input type="checkbox" checked={fourStages} onChange={(e) => setFourStages(e.target.checked)} /> {t('ds.fourStages')}</label>
          </div>
          <div className="field">
            <button type="button" onClick={() => setRequest((r) => r + 1)} disabled={!ranges}>{t('ds.resample')}</button>
          </div>
        </div>
        {!ranges && <p className="field-error" role="alert">{t('ds.badRange')}</p>}
        {error && <p className="field-error" role="alert">{error}</p>}
        <p className="hint" role="status" aria-live="polite">
          {status === 'sampling' ? t('ds.sampling', { n: population.length, of: size }) : t('ds.sampled', { n: population.length, of: size })}
        </p>
        <RangeField label={t('ds.yAxis')}>
          {({ id }) => (
            <select id={id} value={yAxis} onChange={(e) => setYAxis(e.target.value as 'params' | 'activations')}>
              <option value="params">{t('ds.params')}</option>
              <option value="activations">{t('ds.activations')}</option>
            </select>
          )}
        </RangeField>
        <LogScatter
          name={t('ds.scatter', { y: t(yAxis === 'params' ? 'ds.params' : 'ds.activations') })}
          dots={dots}
          xLabel={t('ds.flops')}
          yLabel={t(yAxis === 'params' ? 'ds.params' : 'ds.activations')}
          formatX={tickCount}
          formatY={tickCount}
          legend={[
            { label: t('ds.legend.sample'), color: 'var(--ds-sample)' },
            { label: t('ds.legend.x'), color: 'var(--series-0)' },
            { label: t('ds.legend.y'), color: 'var(--series-1)' },
            { label: t('ds.legend.anynet'), color: 'var(--series-2)' },
            { label: t('ds.current'), color: 'var(--series-3)' },
          ]}
        />
        <p className="hint">{t('ds.source')}</p>
      </section>
    </div>
  );
}
