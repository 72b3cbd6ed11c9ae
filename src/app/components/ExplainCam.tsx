/**
 * Class activation maps over the input crop, one per top-5 class: the engine's H'xW' map
 * (sum_k w_ck A_k of the last stage, no bias), upsampled bilinearly to the crop for display only,
 * coloured from its min to its max, blended over the image at the chosen opacity.
 */
import { useEffect, useRef, useState } from 'react';
import { ColorLegend, scaleLut, short } from './ExplainColors.tsx';
import { useI18n } from '../i18n/I18n.tsx';
import { classLabel } from '../i18n/data.ts';

type Crop = { width: number; height: number; data: Uint8ClampedArray };

/** Bilinear resize of an h x w map to H x W (half-pixel centres, edges clamped: PyTorch's align_corners=False). */
export function bilinear(src: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W);
  const sy = h / H, sx = w / W;
  for (let y = 0; y < H; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(h - 1, Math.floor(fy));
    const y1 = Math.min(h - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(w - 1, Math.floor(fx));
      const x1 = Math.min(w - 1, x0 + 1);
      const tx = fx - x0;
      const top = src[y0 * w + x0] * (1 - tx) + src[y0 * w + x1] * tx;
      const bottom = src[y1 * w + x0] * (1 - tx) + src[y1 * w + x1] * tx;
      out[y * W + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

function CamCanvas({ crop, map, h, w, opacity, label }: { crop: Crop; map: Float32Array; h: number; w: number; opacity: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const up = useRef<{ map: Float32Array; values: Float32Array } | null>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    if (up.current?.map !== map) up.current = { map, values: bilinear(map, h, w, crop.height, crop.width) };
    const v = up.current.values;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < map.length; i++) {
      lo = Math.min(lo, map[i]);
      hi = Math.max(hi, map[i]);
    }
    const k = hi > lo ? 255 / (hi - lo) : 0;
    const table = scaleLut('heat');
    const img = ctx.createImageData(crop.width, crop.height);
    for (let p = 0; p < v.length; p++) {
      const i = Math.max(0, Math.min(255, Math.round((v[p] - lo) * k))) * 3;
      for (let c = 0; c < 3; c++) img.data[p * 4 + c] = (1 - opacity) * crop.data[p * 4 + c] + opacity * table[i + c];
      img.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [crop, map, h, w, opacity]);
  return <canvas ref={ref} width={crop.width} height={crop.height} role="img" aria-label={label} />;
}

interface CamEntry { index: number; label: string; prob: number; map: Float32Array }

export function ExplainCam({ crop, entries, h, w, layer, random }: { crop: Crop; entries: CamEntry[]; h: number; w: number; layer: string; random: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [opacity, setOpacity] = useState(0.55);
  return (
    <div className="xp-cam">
      <div className="toolbar actions">
        <div className="field inline xp-opacity">
          <label htmlFor="xp-opacity">{t('xp.opacity')}</label>
          <input id="xp-opacity" type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
        </div>
        <span className="small num">{Math.round(opacity * 100)} %</span>
        <ColorLegend kind="heat" domain={[0, 1]} label={t('xp.camLegend')} />
      </div>
      <ol className="xp-cam-grid" aria-label={t('xp.camGrid')}>
        {entries.map((e, i) => {
          let lo = Infinity, hi = -Infinity;
          for (const v of e.map) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
          return (
            <li key={e.index}>
              <CamCanvas crop={crop} map={e.map} h={h} w={w} opacity={opacity} label={t('xp.camOf', { label: classLabel(i18n, e) })} />
              <p className="small"><strong>{i + 1}. {classLabel(i18n, e)}</strong> <span className="muted">#{e.index}</span> {(e.prob * 100).toFixed(1)} %</p>
              <p className="small muted xp-mono">{t('xp.camRange', { lo: short(lo), hi: short(hi) })}</p>
            </li>
          );
        })}
      </ol>
      <p className="small muted">
        CAM<sub>c</sub>(h, w) = Σ<sub>k</sub> fc.weight[c, k] · A<sub>k</sub>(h, w);{' '}
        {t('xp.camNote', { layer, h, w, width: crop.width, height: crop.height })}{random ? t('xp.camRandom') : ''}
      </p>
    </div>
  );
}
