/**
 * What was done with an image's EXIF orientation, and the switch to do the other: by default the image
 * is read as stored, as Pillow and so PyTorch read it (the numbers then equal PyTorch's); applied, it
 * is turned upright as a photo viewer shows it. Nothing shows for an image without a turn to make.
 */
import { orientationMessage, type OrientationNote } from '../../model/image/orientation.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function OrientationNotice({ id, note, apply, onApply }: {
  id: string;
  note: OrientationNote | null | undefined;
  apply: boolean;
  onApply: (apply: boolean) => void;
}) {
  const { t, msg } = useI18n();
  if (!note) return null;
  return (
    <div className="exif-note" role="note">
      <p className="small">{msg(orientationMessage(note))}</p>
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" checked={apply} onChange={(e) => onApply(e.target.checked)} />
        <span>{t('app.applyExif')}</span>
      </label>
    </div>
  );
}
