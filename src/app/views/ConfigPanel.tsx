/**
 * View 1, Configure: the preset picker and one control per config field. Text is parsed and
 * checked by the model's own validation; an invalid value keeps the last valid network on screen
 * and shows the ConfigError next to its control.
 */
import { useId, useState, type ReactNode } from 'react';
import { ConfigError, formatInputSize } from '../../model/config.ts';
import { PRESETS, findPreset, matchPreset, presetConfig } from '../../model/presets.ts';
import { SOLVER_DEPTHS, solveWidth, templateParams } from '../../analysis/solver.ts';
import { thousands } from '../../analysis/format.ts';
import { configField, editConfig, exactPreset, withConfig, type AppState, type ConfigKey } from '../state.ts';
import { useStore } from '../store.ts';
import { pytorchCode } from '../../analysis/code.ts';
import { CopyButton } from '../components/CopyButton.tsx';

interface Draft {
  key: ConfigKey;
  text: string;
  error: string;
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
      {props.error && <div id={errorId} className="field-error" role="alert">{props.error}</div>}
    </div>
  );
}

export function ConfigPanel({ state }: { state: AppState }) {
  const store = useStore();
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const live = drafts.filter((d) => d.base === state.config);
  const draftOf = (key: ConfigKey) => live.find((d) => d.key === key);
  const exact = exactPreset(state.config);
  const basePreset = findPreset(state.preset);
  const arch = exact ? undefined : matchPreset(state.config);
  const summary = exact
    ? findPreset(exact)!.label
    : arch
      ? `${arch.label} at ${formatInputSize(state.config.input)}, ${state.config.classes} classes`
      : `Custom (from ${basePreset?.label ?? state.preset})`;

  const edit = (key: ConfigKey, text: string) => {
    try {
      const config = editConfig(state.config, key, text, state.preserve);
      setDrafts([]);
      store.update((s) => withConfig(s, config), { coalesce: key });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      setDrafts([...live.filter((d) => d.key !== key), { key, text, error: e.message, base: state.config }]);
    }
  };

  const textField = (key: ConfigKey, label: string, hint?: ReactNode, inputMode: 'numeric' | 'text' = 'numeric', list?: string) => {
    const draft = draftOf(key);
    return (
      <Field label={label} hint={hint} error={draft?.error}>
        {({ id, describedBy }) => (
          <input
            id={id}
            type="text"
            inputMode={inputMode}
            autoComplete="off"
            spellCheck={false}
            list={list}
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
      <Field label={label} hint={hint} error={draft?.error}>
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
          <h2 id="config-title">Configure</h2>
          <span className="config-summary">{summary}</span>
        </summary>
        <div className="config-body">
          <Field label="Preset">
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
                {!exact && <option value="">{arch ? `Custom: ${summary}` : summary}</option>}
                <optgroup label="torchvision">
                  {PRESETS.filter((p) => p.torchvision).map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
                </optgroup>
                <optgroup label="Paper (Tables 3, 4, 7)">
                  {PRESETS.filter((p) => !p.torchvision).map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
                </optgroup>
              </select>
            )}
          </Field>
          {selectField('block', 'Block type', [['bottleneck', 'Bottleneck'], ['basic', 'Basic']], 'Bottleneck: 1×1, grouped 3×3, 1×1. Basic: 3×3, 3×3')}
          {textField('depths', 'Depth', 'Blocks per stage, e.g. 3,4,6,3 (ResNet-50)', 'text', 'depth-options')}
          <datalist id="depth-options">
            {Object.entries(SOLVER_DEPTHS).map(([depth, d]) => <option key={depth} value={d.join(',')}>{`${depth} layers`}</option>)}
            <option value="3,3,3">29 layers (CIFAR)</option>
          </datalist>
          <div className="field-row">
            {textField('C', 'Cardinality', 'C: groups of the 3x3')}
            {textField('d', 'Bottleneck width', state.preserve && bottleneck ? 'd: set by the solver' : 'd: channels per group')}
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
              <span>Preserve complexity</span>
            </label>
            <div id="preserve-hint" className="hint">
              {state.preserve ? 'Changing C sets d to keep a conv2 block\u2019s parameters (paper Table 2). ' : 'When on, changing C sets d by the Table 2 solver. '}
              At C={c}: d={solved}, C·(256d + 9d² + 256d) = {thousands(solvedParams)} vs {thousands(reference)} at C=1, d=64.
            </div>
          </div>
          <div className="field-row">
            {textField('base', 'Base width', 'Stem channels')}
            {selectField('stem', 'Stem', [['imagenet', 'ImageNet'], ['cifar', 'CIFAR']], state.config.stem === 'imagenet' ? '7×7/2 conv + pool' : '3×3/1 conv')}
          </div>
          <div className="field-row">
            {textField('input', 'Input size', 'C×H×W', 'text')}
            {textField('classes', 'Classes')}
          </div>
          <label className="check">
            <input
              type="checkbox"
              checked={state.config.includeTop}
              onChange={(e) => edit('top', e.target.checked ? '1' : '0')}
            />
            <span>Classifier head (pool + fc)</span>
          </label>
          <div className="toolbar actions">
            <CopyButton
              label="Copy as PyTorch"
              text={() => pytorchCode(state.config)}
              what={`Python that builds this network with ${state.config.implementation}, as the CLI's "code" command prints it`}
            />
          </div>
          {live.length > 0 && (
            <p className="hint stale" role="status">The views show the last valid network until the error is fixed.</p>
          )}
        </div>
      </details>
    </aside>
  );
}
