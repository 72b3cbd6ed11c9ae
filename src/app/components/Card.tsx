/** A titled card: a `section` labelled by its `h3` (`${id}-title`), what every panel of Run and Explain is. */
import type { ReactNode } from 'react';

export function Card({ id, title, children }: { id: string; title: ReactNode; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      {children}
    </section>
  );
}
