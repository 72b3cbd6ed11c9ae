/**
 * View 1, Configure: the preset picker and one control per config field. Text is parsed and
 * checked by the model's own validation; an invalid value keeps the last valid network on screen
 * and shows the ConfigError next to its control.
 */
import { useId, useState, type ReactNode } from 'react';
import { ConfigError, formatInputSize } from '../../model/config.ts';
import { PRESET_FAMILIES, PRESETS, findPreset, matchPreset, presetConfig, usesStemWidth, type PresetFamily } from '../../model/presets.ts';
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
      {/* Always present, so that a screen reader announces a new error once, politely, not on every keystroke. */}
      <div id={errorId} className="field-error" role="status">{props.error ?? ''}</div>
    </div>
  );
}

const STEM_HINTS: Record<AppState['config']['stem'], string> = {
  imagenet: '7×7/2 conv + 3×3/2 max pool',
  deep: 'Three 3×3 convs (w, w, 2w) + max pool',
  deep_tiered: 'Three 3×3 convs (3w/4, w, 2w) + max pool',
  cifar: '3×3/1 conv, no pool',
};

const ATTENTION_HINTS: Record<AppState['config']['attention'], string> = {
  none: 'No channel attention',
  se: 'SE after the last BN: C/16 channels',
  eca: 'ECA after the last BN: a 1-D conv',
};

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

  const textField = (key: ConfigKey, label: string, hint?: ReactNode, inputMode: 'numeric' | 'text' = 'numeric', list?: string, disabled = false) => {
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
                {(Object.keys(PRESET_FAMILIES) as PresetFamily[]).map((family) => (
                  <optgroup key={family} label={PRESET_FAMILIES[family]}>
                    {PRESETS.filter((p) => p.family === family).map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
                  </optgroup>
                ))}
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
          {selectField('stem', 'Stem', [['imagenet', 'ImageNet: 7×7 conv'], ['deep', 'Deep: three 3×3 convs (timm)'], ['deep_tiered', 'Deep tiered: three 3×3 convs (timm)'], ['cifar', 'CIFAR: 3×3 conv']], STEM_HINTS[state.config.stem])}
          <div className="field-row">
            {textField('base', 'Base width', 'Planes of layer1')}
            {textField('sw', 'Stem width', usesStemWidth(state.config) ? 'Deep stem: w, w, 2w' : 'Deep stems only', 'numeric', undefined, !usesStemWidth(state.config))}
          </div>
          {selectField('attn', 'Attention', [['none', 'None'], ['se', 'Squeeze-and-excitation (SE)'], ['eca', 'Efficient channel attention (ECA)']], ATTENTION_HINTS[state.config.attention])}
          <div className="field-row">
            <div className="field">
              <label className="check">
                <input type="checkbox" checked={state.config.avgDown} aria-describedby="avgdown-hint" onChange={(e) => edit('avgdown', e.target.checked ? '1' : '0')} />
                <span>Avg-down</span>
              </label>
              <div id="avgdown-hint" className="hint">Shortcut: 2×2 avg pool, then 1×1 conv (ResNet-D)</div>
            </div>
            {selectField('impl', 'Implementation', [['torchvision', 'torchvision'], ['timm', 'timm']], 'Whose module names and layers')}
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
