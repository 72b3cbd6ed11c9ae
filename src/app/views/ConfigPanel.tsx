/**
 * View 1, Configure: the preset picker and one control per config field. Text is parsed and
 * checked by the model's own validation; an invalid value keeps the last valid network on screen
 * and shows the ConfigError next to its control.
 */
import { useId, useState, type ReactNode } from 'react';
import { ATTENTION_KINDS, ConfigError, formatInputSize, STEM_KINDS } from '../../model/config.ts';
import { PRESET_FAMILIES, PRESETS, findPreset, matchPreset, presetConfig, usesStemWidth, type PresetFamily } from '../../model/presets.ts';
import { SOLVER_DEPTHS, solveWidth, templateParams } from '../../analysis/solver.ts';
import { configField, editConfig, exactPreset, withConfig, type AppState, type ConfigKey } from '../state.ts';
import { useStore } from '../store.ts';
import { pytorchCode } from '../../analysis/code.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { messageFromError, type Message } from '../../model/message.ts';

interface Draft {
  key: ConfigKey;
  text: string;
  error: Message;
  /** The config the draft was typed against; a new config (preset, back button) drops it. */
  base: AppState['config'];
}

function Field(props: {
  label: string;
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
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy })}
      {props.hint && <div id={hintId} className="hint">{props.hint}</div>}
      {/* Always present, so that a screen reader announces a new error once, politely, not on every keystroke. */}
      <div id={errorId} className="field-error" role="status">{props.error ?? ''}</div>
    </div>
  );
}

export function ConfigPanel({ state }: { state: AppState }) {
  const store = useStore();
  const { t, msg, num } = useI18n();
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const live = drafts.filter((d) => d.base === state.config);
  const draftOf = (key: ConfigKey) => live.find((d) => d.key === key);
  const exact = exactPreset(state.config);
  const basePreset = findPreset(state.preset);
  const arch = exact ? undefined : matchPreset(state.config);
  const summary = exact
    ? findPreset(exact)!.label
    : arch
      ? t('panel.summaryAt', { label: arch.label, input: formatInputSize(state.config.input), classes: state.config.classes })
      : t('panel.custom', { label: basePreset?.label ?? state.preset });

  const edit = (key: ConfigKey, text: string) => {
    try {
      const config = editConfig(state.config, key, text, state.preserve);
      setDrafts([]);
      store.update((s) => withConfig(s, config), { coalesce: key });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      setDrafts([...live.filter((d) => d.key !== key), { key, text, error: messageFromError(e), base: state.config }]);
    }
  };

  const textField = (key: ConfigKey, label: string, hint?: ReactNode, inputMode: 'numeric' | 'text' = 'numeric', list?: string, disabled = false) => {
    const draft = draftOf(key);
    return (
      <Field label={label} hint={hint} error={draft && msg(draft.error)}>
        {({ id, describedBy }) => (
          <input
            id={id}
            type="text"
            inputMode={inputMode}
            autoComplete="off"
            spellCheck={false}
            list={list}
            disabled={disabled}
            value={draft ? draft.text : configField(state.config, key)}
            aria-invalid={draft ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => edit(key, e.target.value)}
          />
        )}
      </Field>
    );
  };

  const selectField = (key: ConfigKey, label: string, options: [string, string][], hint?: string) => {
    const draft = draftOf(key);
    return (
      <Field label={label} hint={hint} error={draft && msg(draft.error)}>
        {({ id, describedBy }) => (
          <select id={id} value={configField(state.config, key)} aria-describedby={describedBy} aria-invalid={draft ? true : undefined} onChange={(e) => edit(key, e.target.value)}>
            {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        )}
      </Field>
    );
  };

  // Open beside the views on wide screens; folded above them on phones.
  const [initiallyOpen] = useState(() => !window.matchMedia('(max-width: 860px)').matches);
  const bottleneck = state.config.block === 'bottleneck';
  const c = state.config.cardinality;
  const solved = solveWidth(c);
  const reference = templateParams(1, 64);
  const solvedParams = templateParams(c, solved);

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
          {selectField('block', t('panel.blockType'), [['bottleneck', t('panel.block.bottleneck')], ['basic', t('panel.block.basic')]], t('panel.blockHint'))}
          {textField('depths', t('panel.depth'), t('panel.depthHint'), 'text', 'depth-options')}
          <datalist id="depth-options">
            {Object.entries(SOLVER_DEPTHS).map(([depth, d]) => <option key={depth} value={d.join(',')}>{t('panel.depthOption', { depth })}</option>)}
            <option value="3,3,3">{t('panel.depthCifar')}</option>
          </datalist>
          <div className="field-row">
            {textField('C', t('panel.cardinality'), t('panel.cardinalityHint'))}
            {textField('d', t('panel.width'), state.preserve && bottleneck ? t('panel.widthSolved') : t('panel.widthHint'))}
          </div>
          <div className="switch-field">
            <label className="switch">
              <input
                type="checkbox"
                role="switch"
                checked={state.preserve}
                aria-describedby="preserve-hint"
                onChange={(e) => {
                  const on = e.target.checked;
                  store.update((s) => ({ ...s, preserve: on }));
                }}
              />
              <span>{t('panel.preserve')}</span>
            </label>
            <div id="preserve-hint" className="hint">
              {t(state.preserve ? 'panel.preserveOn' : 'panel.preserveOff')}{' '}
              {t('panel.preserveAt', { c, d: solved, params: num(solvedParams), reference: num(reference) })}
            </div>
          </div>
          {selectField('stem', t('panel.stem'), STEM_KINDS.map((k) => [k, t(`panel.stem.${k}`)]), t(`panel.stemHint.${state.config.stem}`))}
          <div className="field-row">
            {textField('base', t('panel.baseWidth'), t('panel.baseWidthHint'))}
            {textField('sw', t('panel.stemWidth'), usesStemWidth(state.config) ? t('panel.stemWidthHint') : t('panel.stemWidthUnused'), 'numeric', undefined, !usesStemWidth(state.config))}
          </div>
          {selectField('attn', t('panel.attention'), ATTENTION_KINDS.map((k) => [k, t(`panel.attention.${k}`)]), t(`panel.attentionHint.${state.config.attention}`))}
          <div className="field-row">
            <div className="field">
              <label className="check">
                <input type="checkbox" checked={state.config.avgDown} aria-describedby="avgdown-hint" onChange={(e) => edit('avgdown', e.target.checked ? '1' : '0')} />
                <span>{t('panel.avgDown')}</span>
              </label>
              <div id="avgdown-hint" className="hint">{t('panel.avgDownHint')}</div>
            </div>
            {selectField('impl', t('panel.implementation'), [['torchvision', 'torchvision'], ['timm', 'timm']], t('panel.implementationHint'))}
          </div>
          <div className="field-row">
            {textField('input', t('panel.inputSize'), 'C×H×W', 'text')}
            {textField('classes', t('panel.classes'))}
          </div>
          <label className="check">
            <input
              type="checkbox"
              checked={state.config.includeTop}
              onChange={(e) => edit('top', e.target.checked ? '1' : '0')}
            />
            <span>{t('panel.head')}</span>
          </label>
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
