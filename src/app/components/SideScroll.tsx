/**
 * A frame for something that may be wider than the screen (a table, a chart's label column): it scrolls
 * sideways inside the frame, and while part of it is out of sight a line above it says so and a shadow
 * marks the hidden edge. The frame is focusable then, so the arrow keys scroll it.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18n.tsx';

interface Hidden { left: boolean; right: boolean }

/** What is out of sight, in the words of the hint: a table's columns or a chart's part. */
const HINTS = {
  table: { right: 'app.scrollRight', left: 'app.scrollLeft' },
  chart: { right: 'app.scrollChartRight', left: 'app.scrollChartLeft' },
} as const;

export function SideScroll({ children, className = '', kind, label }: { children: ReactNode; className?: string; kind: keyof typeof HINTS; label?: string }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState<Hidden>({ left: false, right: false });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setHidden((h) => (h.left === left && h.right === right ? h : { left, right }));
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, []);
  const scrolls = hidden.left || hidden.right;
  return (
    <div className={`table-frame${hidden.left ? ' hidden-left' : ''}${hidden.right ? ' hidden-right' : ''}`}>
      {scrolls && <p className="scroll-hint small muted" aria-hidden="true">{t(hidden.right ? HINTS[kind].right : HINTS[kind].left)}</p>}
      <div className="table-edge">
        <div ref={ref} className={className || undefined} tabIndex={scrolls ? 0 : undefined} role={scrolls && label ? 'region' : undefined} aria-label={scrolls ? label : undefined}>
          {children}
        </div>
      </div>
    </div>
  );
}
