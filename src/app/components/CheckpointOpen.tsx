/**
 * A checkpoint opened anywhere: dropped on any view, or picked with the masthead's button. Its shapes
 * are read (nothing decoded) and the network inferred at once, so that every view shows that network
 * (the URL records it and the file's name); then the engine loads the weights, in the background, for
 * the Run and Explain views (`useLoadedWeights`). What was found, or why the file is not a network of
 * the family, is said in a status line under the masthead.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { BackendName } from '../../model/engine/protocol.ts';
import { messageFromError, type Message } from '../../model/message.ts';
import { withCheckpoint, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { useLoadedWeights } from '../loadedWeights.ts';
import { useI18n } from '../i18n/I18n.tsx';

/** The file types offered by the picker (the readers recognise the format by the bytes, whatever the name). */
const ACCEPT = '.safetensors,.pth,.pt,.bin,.ckpt';

type Opening =
  | { kind: 'reading'; name: string }
  | { kind: 'opened'; name: string; found: Message; notice: Message | null }
  | { kind: 'failed'; error: Message };

/**
 * Opens checkpoints for the app: `open(file)` reads the shapes, makes the inferred network the app's
 * and starts loading the weights. `opening` is what the last file came to; `over` whether files are
 * being dragged over the page where no other drop zone takes them.
 */
export function useCheckpointOpener(state: AppState) {
  const store = useStore();
  const weights = useLoadedWeights();
  const [opening, setOpening] = useState<Opening | null>(null);
  const [over, setOver] = useState(false);
  const ticket = useRef(0);
  const backend = useRef(state.backend);
  backend.current = state.backend;

  const open = useCallback(async (file: File) => {
    const mine = ++ticket.current;
    setOpening({ kind: 'reading', name: file.name });
    let finding;
    try {
      const [{ inspectCheckpoint }, buffer] = await Promise.all([import('../checkpoint.ts'), file.arrayBuffer()]);
      finding = inspectCheckpoint(new Uint8Array(buffer), file.name);
    } catch (e) {
      if (mine === ticket.current) setOpening({ kind: 'failed', error: messageFromError(e) });
      return;
    }
    if (mine !== ticket.current) return;
    const { config, name, found, notice } = finding;
    store.update((s) => withCheckpoint(s, config, name));
    setOpening({ kind: 'opened', name, found, notice });
    const choice = backend.current;
    await weights.load(async (engine) => {
      if (choice !== 'auto') await engine.setBackend(choice as BackendName);
      return engine.loadWeights({ file, name }, { config });
    });
  }, [store, weights.load]);

  // Files dropped anywhere that no other drop zone (an image picker) takes are opened as checkpoints.
  const openRef = useRef(open);
  openRef.current = open;
  useEffect(() => {
    let depth = 0;
    const files = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const enter = (e: DragEvent) => {
      if (files(e)) depth++;
    };
    const leave = (e: DragEvent) => {
      if (!files(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const dragover = (e: DragEvent) => {
      if (!files(e)) return;
      // A zone under the pointer that takes files has said so by preventing the default.
      setOver(!e.defaultPrevented);
      if (e.defaultPrevented) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      depth = 0;
      setOver(false);
      if (!files(e) || e.defaultPrevented) return;
      e.preventDefault();
      const file = e.dataTransfer?.files[0];
      if (file) void openRef.current(file);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', dragover);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', dragover);
      window.removeEventListener('drop', drop);
    };
  }, []);

  return { open, opening, over, dismiss: () => setOpening(null), weights };
}

type Opener = ReturnType<typeof useCheckpointOpener>;

/** The masthead's button: a file picker whose label names it. */
export function CheckpointPicker({ opener }: { opener: Opener }) {
  const { t } = useI18n();
  return (
    <label className="ckpt-open" title={t('ckpt.openHint')}>
      <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14">
        <path d="M2 4.5h4l1.5 1.5H14v6.5H2z" />
      </svg>
      <span>{t('ckpt.open')}</span>
      <input type="file" className="sr-only" accept={ACCEPT} onChange={(e) => {
        const file = e.target.files?.[0];
        if (file) void opener.open(file);
        e.target.value = '';
      }} />
    </label>
  );
}

/** What the last checkpoint came to (or, for a link naming one, how to load its weights), and the drop overlay. */
export function CheckpointStatus({ opener, state }: { opener: Opener; state: AppState }) {
  const { t, msg } = useI18n();
  const { opening, over, weights } = opener;
  const [linkDismissed, setLinkDismissed] = useState(false);
  const fromLink = opening === null && !linkDismissed && state.checkpoint !== null && weights.weights?.source !== state.checkpoint;
  let body: ReactNode = null;
  if (opening?.kind === 'reading') body = <p>{t('ckpt.reading', { name: opening.name })}</p>;
  else if (opening?.kind === 'failed') body = <p className="field-error">{t('ckpt.failed', { error: msg(opening.error) })}</p>;
  else if (opening?.kind === 'opened') {
    const loaded = !weights.loading && weights.error === null && weights.weights?.source === opening.name;
    body = (
      <>
        <p><strong>{t('ckpt.opened', { name: opening.name, found: msg(opening.found) })}</strong></p>
        {opening.notice && <p className="hint">{msg(opening.notice)}</p>}
        {weights.loading && <p className="muted">{t('ckpt.loading')}</p>}
        {weights.error && <p className="field-error">{t('ckpt.loadFailed', { error: msg(weights.error) })}</p>}
        {loaded && <p className="muted">{t('ckpt.loaded')}</p>}
      </>
    );
  } else if (fromLink) body = <p>{t('ckpt.fromLink', { name: state.checkpoint! })}</p>;
  return (
    <>
      {body && (
        <div className="ckpt-status" role="status" aria-label={t('ckpt.region')}>
          <div>{body}</div>
          <button type="button" className="ghost" onClick={() => (opening ? opener.dismiss() : setLinkDismissed(true))}>{t('app.dismiss')}</button>
        </div>
      )}
      {over && (
        <div className="ckpt-drop" aria-hidden="true">
          <p>{t('ckpt.dropHere')}</p>
        </div>
      )}
    </>
  );
}
