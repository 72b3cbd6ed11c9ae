/**
 * Throughput and training memory against the batch (src/analysis/cost.ts `batchSweep`): images per second of
 * inference and of training, and the training memory per GPU against the device's memory, the batch where
 * it stops fitting marked.
 */
import { useMemo } from 'react';
import type { LayerGraph } from '../../model/graph.ts';
import { batchSweep, humanBytes, type CostOptions } from '../../analysis/cost.ts';
import { thousands, tickBytes, tickCount } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { LogScatter } from './LogScatter.tsx';

const INFER = 'var(--series-0)';
const TRAIN = 'var(--series-1)';
const FITS = 'var(--series-2)';
const OVER = 'var(--error)';

export function BatchSweep({ graph, options, deviceLabel }: { graph: LayerGraph; options: CostOptions; deviceLabel: string }) {
  const { t } = useI18n();
  const { dtype, layout, optimizer, device, gpus, fastNorm } = options;
  const points = useMemo(() => batchSweep(graph, { dtype, layout, optimizer, device, gpus, fastNorm }), [graph, dtype, layout, optimizer, device, gpus, fastNorm]);
  const capacity = options.device.memoryGB * 1e9;
  const lastFit = [...points].reverse().find((p) => p.fits);
  const firstOver = points.find((p) => !p.fits);
  const trains = points.some((p) => p.trainImagesPerS !== null);
  const rateDots = points.flatMap((p) => [
    { key: `i${p.batch}`, x: p.batch, y: p.inferImagesPerS, color: INFER, label: t('sweep.inferDot', { batch: thousands(p.batch) }), detail: t('sweep.rate', { rate: thousands(Math.round(p.inferImagesPerS)) }) },
    ...(p.trainImagesPerS === null ? [] : [{ key: `t${p.batch}`, x: p.batch, y: p.trainImagesPerS, color: TRAIN, label: t('sweep.trainDot', { batch: thousands(p.batch) }), detail: t(p.fits ? 'sweep.rate' : 'sweep.rateOver', { rate: thousands(Math.round(p.trainImagesPerS)) }) }]),
  ]);
  const memoryDots = points.map((p) => ({
    key: `m${p.batch}`, x: p.batch, y: p.trainingBytes, color: p.fits ? FITS : OVER, label: t('sweep.memoryDot', { batch: thousands(p.batch) }),
    detail: t(p.fits ? 'sweep.fits' : 'sweep.over', { bytes: humanBytes(p.trainingBytes), capacity: humanBytes(capacity) }),
  }));
  const x0 = points[0].batch;
  const x1 = points[points.length - 1].batch;
  return (
    <section className="card sweep" aria-labelledby="sweep-title">
      <h3 id="sweep-title">{t('sweep.title', { device: deviceLabel })}</h3>
      <p className="hint">
        {firstOver
          ? t('sweep.stops', { last: lastFit ? thousands(lastFit.batch) : '—', over: thousands(firstOver.batch), capacity: humanBytes(capacity) })
          : t('sweep.allFit', { batch: thousands(x1), capacity: humanBytes(capacity) })}
      </p>
      <div className="sweep-charts">
        <figure className="chart" aria-label={t('sweep.rateTitle')}>
          <h4>{t('sweep.rateTitle')}</h4>
          <LogScatter
            name={t('sweep.rateName')}
            dots={rateDots}
            lines={[
              { points: points.map((p) => [p.batch, p.inferImagesPerS] as [number, number]), color: INFER },
              ...(trains ? [{ points: points.map((p) => [p.batch, p.trainImagesPerS!] as [number, number]), color: TRAIN }] : []),
              ...(firstOver ? [{ points: [[firstOver.batch, 1e-9], [firstOver.batch, 1e12]] as [number, number][], dashed: true, label: t('sweep.overLine') }] : []),
            ]}
            xLabel={t('sweep.xLabel')}
            yLabel={t('sweep.rateLabel')}
            formatX={(v) => thousands(v)}
            formatY={tickCount}
            legend={[{ label: t('sweep.infer'), color: INFER }, ...(trains ? [{ label: t('sweep.train'), color: TRAIN }] : [])]}
          />
        </figure>
        <figure className="chart" aria-label={t('sweep.memoryTitle')}>
          <h4>{t('sweep.memoryTitle')}</h4>
          <LogScatter
            name={t('sweep.memoryName')}
            dots={memoryDots}
            lines={[
              { points: points.map((p) => [p.batch, p.trainingBytes] as [number, number]), color: FITS },
              { points: [[x0, capacity], [x1, capacity]], dashed: true, label: t('sweep.capacity', { capacity: humanBytes(capacity) }) },
            ]}
            xLabel={t('sweep.xLabel')}
            yLabel={t('sweep.memoryLabel')}
            formatX={(v) => thousands(v)}
            formatY={tickBytes}
            extent={{ y: [capacity] }}
            legend={[{ label: t('sweep.fitsKey'), color: FITS }, { label: t('sweep.overKey'), color: OVER }]}
          />
        </figure>
      </div>
    </section>
  );
}
