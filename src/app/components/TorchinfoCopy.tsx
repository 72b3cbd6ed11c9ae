/**
 * "Copy as torchinfo text" with its two settings, the depth and the columns: the text torchinfo 1.8.0
 * prints for the torchvision or timm model of the config, exactly what the CLI's
 * `summary --format torchinfo --depth N --columns ...` prints.
 */
import { useId, useState } from 'react';
import type { NetworkConfig } from '../../model/config.ts';
import { buildLayerGraph } from '../../model/graph.ts';
import { TORCHINFO_COLUMNS, TORCHINFO_DEFAULTS, torchinfoText, type TorchinfoColumn } from '../../analysis/torchinfo.ts';
import { CopyButton } from './CopyButton.tsx';
import { useI18n } from '../i18n/I18n.tsx';

const DEPTHS = [1, 2, 3, 4];

export function TorchinfoCopy({ config }: { config: NetworkConfig }) {
  const { t } = useI18n();
  const id = useId();
  const [depth, setDepth] = useState(TORCHINFO_DEFAULTS.depth);
  const [columns, setColumns] = useState<readonly TorchinfoColumn[]>(TORCHINFO_DEFAULTS.columns);
  const toggle = (c: TorchinfoColumn, on: boolean) =>
    setColumns(TORCHINFO_COLUMNS.filter((x) => (x === c ? on : columns.includes(x))));
  const flags = `--depth ${depth} --columns ${columns.join(',')}`;
  return (
    <fieldset className="card torchinfo-copy" aria-describedby={`${id}-hint`}>
      <legend>{t('torchinfo.legend')}</legend>
      <div className="toolbar actions">
        <fieldset className="chips torchinfo-columns">
          <legend className="small">{t('torchinfo.columns')}</legend>
          {TORCHINFO_COLUMNS.map((c) => (
            <label key={c} className="check small">
              <input type="checkbox" checked={columns.includes(c)} onChange={(e) => toggle(c, e.target.checked)} />
              {' '}{t(`torchinfo.col.${c}`)}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-depth`} className="small">{t('torchinfo.depth')}</label>
        <select id={`${id}-depth`} value={depth} style={{ width: 'auto' }} onChange={(e) => setDepth(Number(e.target.value))}>
          {DEPTHS.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
        <CopyButton
          label={t('torchinfo.copy')}
          disabled={columns.length === 0}
          text={() => torchinfoText(buildLayerGraph(config, 'torchvision'), { depth, columns })}
          what={t('torchinfo.what', { flags })}
        />
      </div>
      <p id={`${id}-hint`} className="hint">
        {columns.length === 0 ? `${t('torchinfo.chooseColumn')} ` : ''}
        {t('torchinfo.order', { framework: config.implementation === 'timm' ? 'timm' : 'torchvision' })}
      </p>
    </fieldset>
  );
}
