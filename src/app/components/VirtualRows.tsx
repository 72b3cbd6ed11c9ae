/**
 * A windowed list: only the rows in view (plus a margin) are in the DOM, so a 500-row ResNet-152
 * scrolls as smoothly as an 18-layer net. Fixed row height; the header stays on top while the body
 * scrolls, and scrolls sideways with it on narrow screens.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

const OVERSCAN = 8;

export function VirtualRows<T>(props: {
  items: readonly T[];
  rowHeight: number;
  header: ReactNode;
  /** Renders one row; `rowIndex` is its aria-rowindex (the header is row 1). */
  renderRow: (item: T, rowIndex: number) => ReactNode;
  label: string;
  className?: string;
  empty?: ReactNode;
  /** A row to bring into view when it changes (left where it is when already in view). */
  revealIndex?: number | null;
}) {
  const { items, rowHeight } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setViewport(el.clientHeight);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const reveal = props.revealIndex ?? null;
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || reveal === null) return;
    const top = reveal * rowHeight;
    const body = el.querySelector('.vlist-body') as HTMLElement | null;
    const offset = body ? body.offsetTop : 0;
    if (top + offset < el.scrollTop || top + offset + rowHeight > el.scrollTop + el.clientHeight) {
      el.scrollTop = Math.max(0, top + offset - el.clientHeight / 3);
      setScrollTop(el.scrollTop);
    }
  }, [reveal, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + viewport) / rowHeight) + OVERSCAN);
  const visible = [];
  for (let i = first; i < last; i++) {
    visible.push(
      <div key={i} className="vrow-slot" style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}>
        {props.renderRow(items[i], i + 2)}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      className={`vlist ${props.className ?? ''}`}
      tabIndex={0}
      role="table"
      aria-label={props.label}
      aria-rowcount={items.length + 1}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="vlist-inner">
        {props.header}
        {items.length === 0 ? props.empty : (
          <div className="vlist-body" role="rowgroup" style={{ height: items.length * rowHeight }}>
            {visible}
          </div>
        )}
      </div>
    </div>
  );
}
