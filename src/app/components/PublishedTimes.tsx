/**
 * Published measurements of this network on this device in this setting (src/analysis/timing/published.ts:
 * pycls's V100 model zoo, timm's RTX 3090 tables), each beside what the model predicts for the same batch.
 * Shown where one exists; never used in place of a prediction.
 */
import { useMemo } from 'react';
import type { NetworkConfig } from '../../model/config.ts';
import type { LayerGraph } from '../../model/graph.ts';
import type { Device } from '../../analysis/devices.ts';
import type { Layout } from '../../analysis/timing/model.ts';
import type { Precision } from '../../analysis/timing/precision.ts';
import { predictPublished, publishedFor, runsFastNorm } from '../../analysis/timing/published.ts';
import { thousands } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { msText } from './RooflineChart.tsx';

export function PublishedTimes({ config, graph, device, precision, layout }: { config: NetworkConfig; graph: LayerGraph; device: Device; precision: Precision; layout: Layout }) {
  const { t } = useI18n();
  const rows = useMemo(() => {
    const found = [...publishedFor(config, device.name, precision, layout, 'inference'), ...publishedFor(config, device.name, precision, layout, 'training')];
    return found.map((r) => ({ r, predicted: predictPublished(r, graph) }));
  }, [config, graph, device.name, precision, layout]);
  if (rows.length === 0) return null;
  return (
    <section className="card published-times" aria-labelledby="published-title">
      <h3 id="published-title">{t('published.title')}</h3>
      <ul>
        {rows.map(({ r, predicted }) => (
          <li key={`${r.table.id}:${r.model}:${r.imageSize}`} data-testid="published-row">
            {t(r.table.mode === 'inference' ? 'published.inference' : r.gpus > 1 ? 'published.trainingGpus' : 'published.training', {
              measured: msText(r.ms), batch: thousands(r.batch), gpus: r.gpus, predicted: msText(predicted), error: `${predicted >= r.ms ? '+' : '−'}${Math.abs((predicted / r.ms - 1) * 100).toFixed(0)}`,
            })}
            {r.shown && ` ${t('published.shown', { ms: r.shown.ms, images: r.shown.images })}`}{' '}
            {runsFastNorm(r, graph) && `${t('published.fastNorm')} `}
            <cite>{t('published.source', { what: t(r.table.id.startsWith('pycls') ? 'published.pycls' : 'published.timm'), repo: r.table.repo, file: r.table.files[0], commit: r.table.commit.slice(0, 7), software: r.table.software })}</cite>
          </li>
        ))}
      </ul>
    </section>
  );
}
