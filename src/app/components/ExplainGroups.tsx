/**
 * Per-path statistics of a layer arranged by the C paths of form (a): mean, max and the share of
 * values a ReLU sets to zero, each path's mean as a bar against the largest.
 */
import type { GroupStats } from '../../model/feature-maps.ts';
import { short } from './ExplainColors.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { TableWrap } from './TableWrap.tsx';

export function ExplainGroupTable({ stats }: { stats: GroupStats[] }) {
  const { t } = useI18n();
  const top = Math.max(...stats.map((g) => Math.abs(g.mean)), 1e-30);
  return (
    <TableWrap className="xp-group-table">
      <table className="data">
        <caption>{t('xp.groupStats')}</caption>
        <thead>
          <tr><th scope="col">{t('xp.path')}</th><th scope="col">{t('xp.channels')}</th><th scope="col" className="num">{t('xp.mean')}</th><th scope="col" className="num">{t('xp.max')}</th><th scope="col" className="num">{t('xp.zerosAfterRelu')}</th><th scope="col"><span className="sr-only">{t('xp.meanRelative')}</span></th></tr>
        </thead>
        <tbody>
          {stats.map((g) => (
            <tr key={g.group}>
              <th scope="row">{g.group + 1}</th>
              <td className="num">{g.first}–{g.first + g.size - 1}</td>
              <td className="num">{short(g.mean)}</td>
              <td className="num">{short(g.max)}</td>
              <td className="num">{(g.zeros * 100).toFixed(1)} %</td>
              <td className="xp-bar-cell" aria-hidden="true">
                <div className={`bar${g.mean < 0 ? ' neg' : ''}`} style={{ width: `${((Math.abs(g.mean) / top) * 100).toFixed(1)}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
