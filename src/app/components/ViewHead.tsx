/** A view's heading: its title, a muted note beside it, and the lede paragraph under it. */
import type { ReactNode } from 'react';

export function ViewHead({ title, note, lede }: { title: string; note?: string; lede?: ReactNode }) {
  return (
    <div className="view-head">
      <h2>{title}{note !== undefined && <>{' '}<span className="muted">{note}</span></>}</h2>
      {lede !== undefined && <p className="lede">{lede}</p>}
    </div>
  );
}
