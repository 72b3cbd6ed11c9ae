export function Notices({ notices, onDismiss }: { notices: string[]; onDismiss: () => void }) {
  if (notices.length === 0) return null;
  return (
    <div className="notice" role="status" aria-label="Notice">
      <div>
        <strong>The link was adjusted.</strong>
        <ul>
          {notices.map((n) => <li key={n}>{n}</li>)}
        </ul>
      </div>
      <button type="button" className="ghost" onClick={onDismiss}>Dismiss</button>
    </div>
  );
}
