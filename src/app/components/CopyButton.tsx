/**
 * A button that copies a text the analysis renders (Markdown, torchinfo, PyTorch code) and says
 * what it copied, or why it could not, in a status line beside it.
 */
import { useState } from 'react';
import { copyText } from '../download.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function CopyButton(props: {
  label: string;
  /** The text to copy; a thrown error is shown instead. */
  text: () => string;
  /** What was copied, for the status line: `Copied 12 lines: ...`. */
  what: string;
  disabled?: boolean;
}) {
  const { t, error } = useI18n();
  const [status, setStatus] = useState<{ ok: boolean; message: string } | null>(null);
  const copy = async () => {
    try {
      const text = props.text();
      await copyText(text);
      setStatus({ ok: true, message: t('app.copied', { lines: text.split('\n').length - 1, what: props.what }) });
    } catch (e) {
      setStatus({ ok: false, message: t('app.couldNotCopy', { error: error(e) }) });
    }
  };
  return (
    <>
      <button type="button" onClick={copy} disabled={props.disabled}>{props.label}</button>
      {status && (
        <span className={status.ok ? 'status small' : 'field-error'} role="status">{status.message}</span>
      )}
    </>
  );
}
