/**
 * View 1, Configure: the preset picker and one control per config field. Text is parsed and
 * checked by the model's own validation; an invalid value keeps the last valid network on screen
 * and shows the ConfigError next to its control.
 */
import { Fragment, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ConfigError, formatInputSize, type NetworkConfig } from '../../model/config.ts';
import { CONFIG_FIELDS, type ConfigField } from '../../model/config-fields.ts';
import { PRESET_FAMILIES, PRESETS, findPreset, matchPreset, presetConfig, type PresetFamily } from '../../model/presets.ts';
import { SOLVER_DEPTHS, solveWidth, templateParams } from '../../analysis/solver.ts';
import { editConfig, exactPreset, withConfig, type AppState } from '../state.ts';
import { useStore } from '../store.ts';
import { pytorchCode } from '../../analysis/code.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { EN, type MessageKey } from '../i18n/catalogue.ts';
import { messageFromError, type Message } from '../../model/message.ts';

type FieldKey = keyof NetworkConfig;

/** Text fields with a list of suggestions: the datalist's id. */
const SUGGESTIONS: Partial<Record<FieldKey, string>> = { depths: 'depth-options' };

/** A text field commits what was typed after this pause, on Enter or when it loses focus. */
const TYPING_MS = 600;

/** The text in a focused field: shown as typed, never rewritten under the cursor. */
interface Typing {
  key: FieldKey;
  text: string;
}

interface Draft {
  key: FieldKey;
  text: string;
  error: Message;
  /** The config the draft was typed against; a new config (preset, back button) drops it. */
  base: AppState['config'];
}

/** A control with its label, hint and error; the control is told its id and the ids that describe it. */
function Field(props: {
  /** The label before the control; absent where the control holds its own (a checkbox). */
  label?: string;
  hint?: ReactNode;
  error?: string;
  children: (ids: { id: string; describedBy: string | undefined }) => ReactNode;
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [props.error ? errorId : null, props.hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${props.error ? ' invalid' : ''}`}>
      {props.label !== undefined && <label htmlFor={id}>{props.label}</label>}
      {props.children({ id, describedBy })}
      {props.hint && <div id={hintId} className="hint">{props.hint}</div>}
      {/* Always present, so that a screen reader announces a new error once, politely, not on every keystroke. */}
      <div id={errorId} className="field-error" role="status">{props.error ?? ''}</div>
    </div>
  );
}

function CheckField(props: { label: string; hint?: string; error?: string; checked: boolean; disabled: boolean; onChange: (on: boolean) => void }) {
  return (
    <Field hint={props.hint} error={props.error}>
      {({ id, describedBy }) => (
        <label className="check">
          <input
            id={id}
            type="checkbox"
            checked={props.checked}
            disabled={props.disabled}
            aria-describedby={describedBy}
            aria-invalid={props.error ? true : undefined}
            onChange={(e) => props.onChange(e.target.checked)}
          />
          <span>{props.label}</span>
        </label>
      )}
    </Field>
  );
}

export function ConfigPanel({ state }: { state: AppState }) {
  const store = useStore();
  const { t, msg, num } = useI18n();
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const live = drafts.filter((d) => d.base === state.config);
  const draftOf = (key: FieldKey) => live.find((d) => d.key === key);
  const exact = exactPreset(state.config);
  const basePreset = findPreset(state.preset);
  const arch = exact ? undefined : matchPreset(state.config);
  const summary = exact
    ? findPreset(exact)!.label
    : arch
      ? t('panel.summaryAt', { label: arch.label, input: formatInputSize(state.config.input), classes: state.config.classes })
      : t('panel.custom', { label: basePreset?.label ?? state.preset });

  const [typing, setTyping] = useState<Typing | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  /** Set when editing d by hand turned "Preserve complexity" off; cleared when it is turned on again. */
  const [released, setReleased] = useState(false);

  /** Applies a field's text to the store's current state (not this render's: a timer may fire later). */
  const edit = (key: FieldKey, text: string) => {
    const current = store.getSnapshot().state;
    const release = key === 'widthPerGroup' && current.preserve && current.config.block === 'bottleneck';
    try {
      const config = editConfig(current.config, key, text, current.preserve && !release);
      setDrafts([]);
      if (config === current.config && !release) return;
      store.update((s) => ({ ...withConfig(s, config), preserve: release ? false : s.preserve }), { coalesce: key });
      if (release) setReleased(true);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const error = messageFromError(e);
      setDrafts((ds) => [...ds.filter((d) => d.base === current.config && d.key !== key), { key, text, error, base: current.config }]);
    }
  };

  /** Typing waits for a pause: an intermediate value ("3" on the way to "3x160x160") is never applied. */
  const type = (key: FieldKey, text: string) => {
    setTyping({ key, text });
    clearTimeout(timer.current);
    timer.current = setTimeout(() => edit(key, text), TYPING_MS);
  };
  const commitTyped = (key: FieldKey, done: boolean) => {
    if (!typing || typing.key !== key) return;
    clearTimeout(timer.current);
    edit(key, typing.text);
    if (done) setTyping(null);
  };

  /** The panel's words for a field that the catalogue may have (a choice's label, a hint). */
  const words = (id: string): string | undefined => (id in EN ? msg({ id, params: {}, text: EN[id as MessageKey] }) : undefined);

  const hintOf = (f: ConfigField): string | undefined => {
    if (f.key === 'widthPerGroup' && state.preserve && state.config.block === 'bottleneck') return t('panel.widthSolved');
    const base = `panel.field.${f.key}`;
    if (!f.used(state.config)) return words(`${base}.unused`);
    return words(`${base}.hint.${f.text(state.config)}`) ?? words(`${base}.hint`);
  };

  /** One field's control, as the table describes it. */
  const control = (f: ConfigField) => {
    const draft = draftOf(f.key);
    const label = t(`panel.field.${f.key}`);
    const error = draft && msg(draft.error);
    const disabled = !f.used(state.config);
    const c = f.control;
    if (c.kind === 'check') {
      return (
        <CheckField key={f.key} label={label} hint={hintOf(f)} error={error} disabled={disabled} checked={f.text(state.config) === '1'}
          onChange={(on) => edit(f.key, on ? '1' : '0')} />
      );
    }
    return (
      <Field key={f.key} label={label} hint={hintOf(f)} error={error}>
        {({ id, describedBy }) => c.kind === 'select' ? (
          <select id={id} value={f.text(state.config)} disabled={disabled} aria-describedby={describedBy} aria-invalid={draft ? true : undefined} onChange={(e) => edit(f.key, e.target.value)}>
            {f.choices!.map((v) => <option key={v} value={v}>{words(`panel.field.${f.key}.${v}`) ?? v}</option>)}
          </select>
        ) : (
          <input
            id={id}
            type="text"
            inputMode={c.inputMode}
            autoComplete="off"
            spellCheck={false}
            list={SUGGESTIONS[f.key]}
            disabled={disabled}
            value={typing?.key === f.key ? typing.text : draft ? draft.text : f.text(state.config)}
            aria-invalid={draft ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => type(f.key, e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Enter') commitTyped(f.key, false); }}
            onBlur={() => commitTyped(f.key, true)}
          />
        )}
      </Field>
    );
  };

  // Fields that share a row stand side by side; the "Preserve complexity" switch follows C and d.
  const rows: ConfigField[][] = [];
  for (const f of CONFIG_FIELDS) {
    const last = rows.at(-1);
    if (last && f.control.row !== undefined && last[0].control.row === f.control.row) last.push(f);
    else rows.push([f]);
  }

  // Open beside the views on wide screens; folded above them on phones.
  const [initiallyOpen] = useState(() => !window.matchMedia('(max-width: 860px)').matches);
  const c = state.config.cardinality;
  const solved = solveWidth(c);
  const reference = templateParams(1, 64);
  const solvedParams = templateParams(c, solved);
  const preserveSwitch = (
    <div className="switch-field">
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          checked={state.preserve}
          aria-describedby="preserve-hint"
          onChange={(e) => {
            const on = e.target.checked;
            setReleased(false);
            // Turned on, it applies at once: d follows the solver for the C shown.
            store.update((s) => {
              const solvedConfig = on && s.config.block === 'bottleneck' ? { ...s.config, widthPerGroup: solveWidth(s.config.cardinality) } : s.config;
              return { ...withConfig(s, solvedConfig), preserve: on };
            });
          }}
        />
        <span>{t('panel.preserve')}</span>
      </label>
      <div id="preserve-hint" className="hint" role="status">
        {released && !state.preserve && <strong className="released">{t('panel.preserveReleased')} </strong>}
        {t(state.preserve ? 'panel.preserveOn' : 'panel.preserveOff')}{' '}
        {t('panel.preserveAt', { c, d: solved, params: num(solvedParams), reference: num(reference) })}
      </div>
    </div>
  );

  return (
    <aside className="config" aria-labelledby="config-title">
      <details open={initiallyOpen} className="config-details">
        <summary>
          <h2 id="config-title">{t('panel.title')}</h2>
          <span className="config-summary">{summary}</span>
        </summary>
        <div className="config-body">
          <Field label={t('panel.preset')}>
            {({ id }) => (
              <select
                id={id}
                value={exact ?? ''}
                onChange={(e) => {
                  const name = e.target.value;
                  if (!name) return;
                  setDrafts([]);
                  store.update((s) => withConfig(s, presetConfig(name), name));
                }}
              >
                {!exact && <option value="">{arch ? t('panel.customOption', { summary }) : summary}</option>}
                {(Object.keys(PRESET_FAMILIES) as PresetFamily[]).map((family) => (
                  <optgroup key={family} label={t(`panel.family.${family}`)}>
                    {PRESETS.filter((p) => p.family === family).map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
                  </optgroup>
                ))}
              </select>
            )}
          </Field>
          {rows.map((row) => (
            <Fragment key={row[0].key}>
              {row.length > 1 ? <div className="field-row">{row.map(control)}</div> : control(row[0])}
              {row.some((f) => f.key === 'widthPerGroup') && preserveSwitch}
            </Fragment>
          ))}
          <datalist id={SUGGESTIONS.depths}>
            {Object.entries(SOLVER_DEPTHS).map(([depth, d]) => <option key={depth} value={d.join(',')}>{t('panel.depthOption', { depth })}</option>)}
            <option value="3,3,3">{t('panel.depthCifar')}</option>
          </datalist>
          <div className="toolbar actions">
            <CopyButton
              label={t('panel.copyPytorch')}
              text={() => pytorchCode(state.config)}
              what={t('panel.copyPytorchWhat', { framework: state.config.implementation })}
            />
          </div>
          {live.length > 0 && (
            <p className="hint stale" role="status">{t('panel.stale')}</p>
          )}
        </div>
      </details>
    </aside>
  );
}
