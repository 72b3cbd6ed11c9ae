/**
 * One training step as the time model predicts it (src/analysis/timing/predict.ts): forward, backward, the
 * data-parallel all-reduce the backward does not hide, and the optimizer's update, as a stacked bar and a
 * table, with images per second and the time of an ImageNet-1k epoch.
 */
import { IMAGENET_TRAIN_IMAGES, type TrainingTime } from '../../analysis/cost.ts';
import { thousands } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { msText } from './RooflineChart.tsx';
import { TableWrap } from './TableWrap.tsx';

export function TrainingTimes({ training, batch, deviceLabel }: { training: TrainingTime; batch: number; deviceLabel: string }) {
  const { t } = useI18n();
  const parts: { key: 'forward' | 'backward' | 'allReduce' | 'optimizer'; ms: number; color: string }[] = [
    { key: 'forward', ms: training.forwardMs, color: 'var(--series-0)' },
    { key: 'backward', ms: training.backwardMs, color: 'var(--series-1)' },
    ...(training.gpus > 1 ? [{ key: 'allReduce' as const, ms: training.exposedAllReduceMs, color: 'var(--series-3)' }] : []),
    { key: 'optimizer', ms: training.optimizerMs, color: 'var(--series-4)' },
  ];
  const total = training.stepMs;
  return (
    <section className="card training" aria-labelledby="training-title">
      <h3 id="training-title">{t('training.title', { batch: thousands(batch), gpus: training.gpus, device: deviceLabel })}</h3>
      <div className="bar" role="img" aria-label={t('training.bar', { parts: parts.map((p) => t('training.barPart', { part: t(`training.part.${p.key}`), ms: msText(p.ms) })).join(', ') })}>
        {parts.map((p) => <span key={p.key} className="seg" style={{ width: `${((p.ms / total) * 100).toFixed(2)}%`, background: p.color }} />)}
      </div>
      <TableWrap>
        <table className="data" aria-label={t('training.table')}>
          <thead><tr><th scope="col">{t('training.col.part')}</th><th scope="col" className="num">{t('training.col.ms')}</th><th scope="col" className="num">{t('training.col.share')}</th></tr></thead>
          <tbody>
            {parts.map((p) => (
              <tr key={p.key}>
                <th scope="row"><span className="swatch" style={{ color: p.color }}>●</span> {t(`training.part.${p.key}`)}</th>
                <td className="num">{msText(p.ms)}</td>
                <td className="num">{((p.ms / total) * 100).toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
          <tfoot><tr><th scope="row">{t('training.step')}</th><td className="num">{msText(total)}</td><td /></tr></tfoot>
        </table>
      </TableWrap>
      <p>
        {t('training.rates', {
          rate: thousands(Math.round(training.imagesPerS)), images: thousands(IMAGENET_TRAIN_IMAGES),
          epoch: training.epochS < 3600 ? t('costView.minutes', { value: (training.epochS / 60).toFixed(1) }) : t('costView.hours', { value: (training.epochS / 3600).toFixed(2) }),
        })}
        {training.gpus > 1 && ` ${t('training.allReduce', { ms: msText(training.allReduceMs), hidden: msText(training.allReduceMs - training.exposedAllReduceMs), gpus: training.gpus })}`}
      </p>
      <p className="hint">{t('training.how')}</p>
    </section>
  );
}
