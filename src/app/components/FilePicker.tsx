/**
 * A file input whose words are the page's: the browser's own button and "No file chosen" follow the
 * browser's language and are cut at phone width, so the native control is visually hidden (still
 * focusable, still named by its label) and a button-like label with the chosen file's name is shown.
 */
import { useState } from 'react';
import { useI18n } from '../i18n/I18n.tsx';

export function FilePicker(props: {
  id: string;
  accept: string;
  disabled?: boolean;
  onFile: (file: File) => void;
}) {
  const { t } = useI18n();
  const [name, setName] = useState<string | null>(null);
  return (
    <span className="file-picker">
      <input
        id={props.id}
        className="file-input"
        type="file"
        accept={props.accept}
        disabled={props.disabled}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          setName(f.name);
          props.onFile(f);
        }}
      />
      {/* Hidden from the accessibility tree: the input is named by the field's own label. */}
      <label htmlFor={props.id} className="file-button" aria-hidden="true">{t('app.chooseFile')}</label>
      <span className="file-name" title={name ?? undefined}>{name ?? t('app.noFileChosen')}</span>
    </span>
  );
}
