/**
 * A table that may be wider than the screen: it scrolls sideways inside its frame, and while columns
 * are out of sight a line above it says so and a shadow marks the hidden edge (at phone width the
 * block table's Params and MACs, for instance). The frame is focusable then, so the arrow keys scroll it.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18n.tsx';

interface Hidden { left: boolean; right: boolean }

export function TableWrap({ children, className = '' }: { children: ReactNode; className?: string }) {
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
      {scrolls && <p className="scroll-hint small muted" aria-hidden="true">{t(hidden.right ? 'app.scrollRight' : 'app.scrollLeft')}</p>}
      <div className="table-edge">
        <div ref={ref} className={`table-wrap ${className}`.trim()} tabIndex={scrolls ? 0 : undefined}>
          {children}
        </div>
      </div>
    </div>
  );
}
