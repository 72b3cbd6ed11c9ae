/**
 * "Or try a sample photo": the photos that ship with the app (samples.ts), one click each to use one as
 * the image of the Run or Explain view, as if the user had chosen that file; with the photographers and
 * licences in a line below. The photos are fetched from the app's own files when clicked (the
 * thumbnails load with the view, lazily), never from elsewhere.
 */
import { useRef, useState } from 'react';
import { SAMPLE_IMAGES, type SampleImage } from '../samples.ts';
import { appMessage } from '../i18n/translator.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function SampleImages({ id, chosen, onPick }: {
  /** Prefix of the ids inside (two views show a picker). */
  id: string;
  /** The image the view holds now: its sample is shown pressed. */
  chosen: Blob | null;
  onPick: (file: File) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const made = useRef(new Map<string, File>());
  const [loading, setLoading] = useState<string | null>(null);
  const [error, setError] = useState('');

  const pick = async (s: SampleImage) => {
    setLoading(s.file);
    setError('');
    try {
      const res = await fetch(s.url);
      if (!res.ok) throw new Error(t('sample.status', { status: res.status }));
      const file = new File([await res.blob()], s.file, { type: 'image/jpeg' });
      made.current.set(s.file, file);
      onPick(file);
    } catch (e) {
      setError(t('sample.failed', { file: s.file, error: i18n.error(e) }));
    } finally {
      setLoading(null);
    }
  };

  const credits = SAMPLE_IMAGES.map((s) => appMessage('sample.creditOne', { title: appMessage(s.title), credit: s.credit, licence: appMessage(`sample.licence.${s.licence}`) }));
  return (
    <div className="samples">
      <p className="small" id={`${id}-title`}>{t('sample.try')}</p>
      <div className="sample-row" role="group" aria-labelledby={`${id}-title`}>
        {SAMPLE_IMAGES.map((s) => (
          <button
            key={s.file}
            type="button"
            className="sample"
            aria-label={t('sample.use', { title: t(s.title) })}
            aria-pressed={chosen !== null && made.current.get(s.file) === chosen}
            disabled={loading !== null}
            onClick={() => void pick(s)}
          >
            <img src={s.url} alt="" loading="lazy" decoding="async" />
            <span>{t(s.title)}</span>
          </button>
        ))}
      </div>
      {loading && <p className="muted small" role="status">{t('sample.loading', { file: loading })}</p>}
      {error && <p className="field-error" role="alert">{error}</p>}
      <p className="muted small credit">{t('sample.credit', { credits })}</p>
    </div>
  );
}
