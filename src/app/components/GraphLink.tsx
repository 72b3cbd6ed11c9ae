/** A small button beside a row of another view that shows the row's layer or stage in the graph view. */
import { useI18n } from '../i18n/I18n.tsx';

export function GraphLink({ name, onClick }: { name: string; onClick: () => void }) {
  const { t } = useI18n();
  const label = t('graph.showIn', { name });
  return (
    <button type="button" className="to-graph" aria-label={label} title={label} onClick={onClick}>
      <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14">
        <rect x="5" y="1" width="6" height="4" rx="1" />
        <rect x="1" y="11" width="6" height="4" rx="1" />
        <rect x="9" y="11" width="6" height="4" rx="1" />
        <path d="M8 5v3M4 11V8h8v3" />
      </svg>
    </button>
  );
}
