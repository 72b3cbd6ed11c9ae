/**
 * A button that copies a text the analysis renders (Markdown, torchinfo, PyTorch code) and says
 * what it copied, or why it could not, in a status line beside it.
 */
import { useState } from 'react';
import { copyText } from '../download.ts';

export function CopyButton(props: {
  label: string;
  /** The text to copy; a thrown error is shown instead. */
  text: () => string;
  /** What was copied, for the status line: `Copied 12 lines: ...`. */
  what: string;
  disabled?: boolean;
}) {
  const [status, setStatus] = useState<{ ok: boolean; message: string } | null>(null);
  const copy = async () => {
    try {
      const text = props.text();
      await copyText(text);
      setStatus({ ok: true, message: `Copied ${text.split('\n').length - 1} lines: ${props.what}.` });
    } catch (e) {
      setStatus({ ok: false, message: `Could not copy: ${e instanceof Error ? e.message : String(e)}` });
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
