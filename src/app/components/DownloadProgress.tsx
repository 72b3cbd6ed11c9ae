/**
 * A weights download as it runs: bytes received (of how many, when the server said), and a Cancel
 * button until the bytes are all here and the engine builds the network.
 */
import type { LoadProgress } from '../../model/engine/protocol.ts';
import { humanCount } from '../format.ts';
import { useI18n } from '../i18n/I18n.tsx';
import './Downloads.css';

export function DownloadProgress({ progress, onCancel }: { progress: LoadProgress; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <div className="toolbar download-progress">
      <progress aria-label={t('run.download')} value={progress.loaded} max={progress.total ?? undefined} />
      <span className="muted small" aria-live="polite">
        {progress.building
          ? t('downloads.building')
          : progress.total
            ? t('run.progressOf', { loaded: humanCount(progress.loaded), total: humanCount(progress.total) })
            : t('run.progress', { loaded: humanCount(progress.loaded) })}
      </span>
      {!progress.building && (
        <button type="button" aria-label={t('downloads.cancelLabel')} onClick={onCancel}>{t('downloads.cancel')}</button>
      )}
    </div>
  );
}
