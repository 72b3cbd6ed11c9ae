/**
 * The Graph view's exports: the whole current drawing (every box, not only those on screen) as a
 * standalone SVG, every colour and font written into it (the page's theme resolved), with a title and
 * the colour scale; and the same SVG drawn onto a canvas as a PNG.
 */
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { ComponentProps } from 'react';
import { GraphDrawing, type Palette } from './components/GraphDrawing.tsx';
import { downloadBlob, downloadText } from './download.ts';
import { measureText } from './graphLabels.ts';
import { MessageError } from '../model/message.ts';
import { appMessage } from './i18n/translator.ts';
import type { Scale } from './graphColours.ts';

type Drawing = Pick<ComponentProps<typeof GraphDrawing>, 'layout' | 'look' | 'edgeLabel'>;

const HEADER = 58;
/** Chromium's canvas limits: a side of at most 32,767 px and about 268 M pixels; kept well inside. */
const MAX_SIDE = 16_384;
const MAX_PIXELS = 1.2e8;

function resolvedPalette(): Palette {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    bg: v('--bg'), surface: v('--surface'), surface2: v('--surface-2'), text: v('--text'), muted: v('--muted'),
    border: v('--border'), accent: v('--accent'), edge: v('--muted'), font: v('--sans'), mono: v('--mono'),
  };
}

function Standalone({ drawing, scale, title, legend, palette, width, height }: {
  drawing: Drawing; scale: Scale | null; title: string; legend: string; palette: Palette; width: number; height: number;
}) {
  const stops = Array.from({ length: 9 }, (_, i) => i / 8);
  return (
    <svg xmlns="http://www.w3.org/2000/svg" width={width} height={height} viewBox={`0 0 ${width} ${height}`} style={{ fontFamily: palette.font }}>
      <rect width={width} height={height} style={{ fill: palette.bg }} />
      <text x={16} y={22} style={{ fontSize: 14, fontWeight: 600, fill: palette.text }}>{title}</text>
      {scale && (
        <g transform="translate(16,32)">
          <defs>
            <linearGradient id="g-ramp">
              {stops.map((s) => <stop key={s} offset={s} style={{ stopColor: scale.colour(Math.exp(Math.log(scale.low) + s * (Math.log(scale.high) - Math.log(scale.low)))) }} />)}
            </linearGradient>
          </defs>
          <rect width={160} height={10} rx={2} style={{ fill: 'url(#g-ramp)' }} />
          <text x={168} y={9} style={{ fontSize: 11, fill: palette.muted }}>{legend}</text>
        </g>
      )}
      <g transform={`translate(0,${HEADER})`}>
        <GraphDrawing {...drawing} palette={palette} />
      </g>
    </svg>
  );
}

function standalone(drawing: Drawing, scale: Scale | null, title: string): { svg: string; width: number; height: number } {
  const width = Math.max(Math.ceil(drawing.layout.width), 480);
  const height = Math.ceil(drawing.layout.height) + HEADER;
  const legend = scale ? `${measureText(scale.measure, scale.low)} → ${measureText(scale.measure, scale.high)}` : '';
  const host = document.createElement('div');
  const root = createRoot(host);
  flushSync(() => root.render(<Standalone drawing={drawing} scale={scale} title={title} legend={legend} palette={resolvedPalette()} width={width} height={height} />));
  const svg = new XMLSerializer().serializeToString(host.firstElementChild!);
  root.unmount();
  return { svg: `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`, width, height };
}

export function exportSvg(file: string, drawing: Drawing, scale: Scale | null, title: string): void {
  downloadText(file, standalone(drawing, scale, title).svg, 'image/svg+xml');
}

export async function exportPng(file: string, drawing: Drawing, scale: Scale | null, title: string): Promise<void> {
  const { svg, width, height } = standalone(drawing, scale, title);
  const k = Math.min(2, MAX_SIDE / width, MAX_SIDE / height, Math.sqrt(MAX_PIXELS / (width * height)));
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * k));
    canvas.height = Math.max(1, Math.round(height * k));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new MessageError(appMessage('graph.noCanvas'));
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new MessageError(appMessage('graph.noCanvas'));
    downloadBlob(file, blob);
  } finally {
    URL.revokeObjectURL(url);
  }
}
