/**
 * A table that may be wider than the screen (at phone width the block table's Params and MACs, for
 * instance): it scrolls sideways in its frame, with a line and a shadow while columns are out of sight.
 */
import type { ReactNode } from 'react';
import { SideScroll } from './SideScroll.tsx';

export function TableWrap({ children, className = '' }: { children: ReactNode; className?: string }) {
  return <SideScroll kind="table" className={`table-wrap ${className}`.trim()}>{children}</SideScroll>;
}
