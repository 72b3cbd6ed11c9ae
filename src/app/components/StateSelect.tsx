/** A <select> of one of the app state's choice fields (a URL key), written back through the store. */
import { useStore } from '../store.ts';
import type { AppState } from '../state.ts';

/** The fields of the state whose values are a set of words. */
type ChoiceField = { [K in keyof AppState]: AppState[K] extends string ? (string extends AppState[K] ? never : K) : never }[keyof AppState];

export function StateSelect<K extends ChoiceField>({ id, state, field, options, label, describedBy }: {
  id: string;
  state: AppState;
  field: K;
  options: readonly AppState[K][];
  label: (value: AppState[K]) => string;
  describedBy?: string;
}) {
  const store = useStore();
  return (
    <select id={id} value={state[field]} aria-describedby={describedBy} onChange={(e) => {
      const value = e.target.value as AppState[K];
      store.update((s) => ({ ...s, [field]: value }));
    }}>
      {options.map((o) => <option key={o} value={o}>{label(o)}</option>)}
    </select>
  );
}
