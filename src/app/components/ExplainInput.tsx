/**
 * The Explain view's inputs: which weights (those the engine holds, a file, or random weights for the
 * configured network, said plainly), and the image (file picker or drag and drop, as in the Run view)
 * with its preprocessed crop and top-5.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { ExplainOverview, LoadedWeights } from '../../model/engine/client.ts';
import { matchPreset } from '../../model/presets.ts';
import { humanCount, thousands } from '../format.ts';

function describe(w: LoadedWeights): string {
  const preset = matchPreset({ ...w.config, input: [w.config.input[0], 224, 224] }) ?? matchPreset(w.config);
  const arch = preset ? preset.label : `custom network (depths ${w.config.depths.join(',')}, C=${w.config.cardinality}, d=${w.config.widthPerGroup})`;
  return `${arch}, ${w.config.classes} classes: ${thousands(w.tensors)} tensors, ${humanCount(w.bytes)}B, ${w.source}`;
}

export function ExplainWeights({ weights, busy, error, configured, onFile, onRandom, onRunView }: {
  weights: LoadedWeights | null; busy: boolean; error: string; configured: string;
  onFile: (f: File) => void; onRandom: () => void; onRunView: () => void;
}) {
  return (
    <section className="card" aria-labelledby="xp-weights-title">
      <h3 id="xp-weights-title">Weights</h3>
      {weights ? (
        <p className="status" role="status">Explaining {describe(weights)}.</p>
      ) : (
        <p className="muted">No weights loaded. Load trained weights in the Run view (the pretrained catalogue) or from a file; random weights show the mechanics, not what a trained network learned.</p>
      )}
      {weights?.random && (
        <p className="xp-random" role="note">
          <strong>These maps show random weights.</strong> Nothing here was learned: the channels, the classes and the activation maps
          are what a randomly initialised {configured} computes on this image.
        </p>
      )}
      <div className="toolbar actions">
        <button type="button" onClick={onRunView}>Load pretrained weights in the Run view</button>
        <div className="field inline">
          <label htmlFor="xp-weights-file">Weights file</label>
          <input id="xp-weights-file" type="file" accept=".safetensors,.pth,.pt,.bin" disabled={busy} onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) onFile(f);
            e.target.value = '';
          }} />
        </div>
        <button type="button" disabled={busy} onClick={onRandom}>Use random weights ({configured})</button>
      </div>
      {busy && <p className="muted" role="status">Loading the weights…</p>}
      {error && <p className="field-error" role="alert">{error}</p>}
    </section>
  );
}

function Crop({ image }: { image: { width: number; height: number; data: Uint8ClampedArray } }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(image.width, image.height);
    img.data.set(image.data);
    ctx.putImageData(img, 0, 0);
  }, [image]);
  return <canvas ref={ref} className="crop" width={image.width} height={image.height} aria-label={`Preprocessed ${image.width}×${image.height} crop`} role="img" />;
}

export function ExplainImage({ name, overview, busy, error, needsWeights, onPick }: {
  name: string | null; overview: ExplainOverview | null; busy: boolean; error: string; needsWeights: boolean; onPick: (f: File) => void;
}) {
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f) onPick(f);
  };
  const top = overview?.top?.[0] ?? null;
  return (
    <section className="card" aria-labelledby="xp-image-title">
      <h3 id="xp-image-title">Image</h3>
      <div className={`drop${over ? ' over' : ''}`} onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)} onDrop={onDrop}>
        <label htmlFor="xp-image-file">Choose an image or drop it here</label>{' '}
        <input id="xp-image-file" type="file" accept="image/*" onChange={(e) => { const f = e.target.files?.[0]; if (f) onPick(f); e.target.value = ''; }} />
        <p className="muted small">Resized to 256 (shorter side), centre-cropped to 224×224 and normalized as torchvision does, as in the Run view.</p>
      </div>
      {name && needsWeights && <p className="field-error" role="alert">“{name}” is waiting for weights: load them above, or use random weights.</p>}
      {error && <p className="field-error" role="alert">{error}</p>}
      {busy && <p className="muted" role="status">Running the network on “{name}”…</p>}
      {overview?.crop && (
        <div className="run-grid">
          <Crop image={overview.crop} />
          <div>
            {top ? (
              <>
                <p className="small">Top-5 for “{name}”{overview.random ? ' (random weights: meaningless)' : ''}</p>
                <ol className="bars" aria-label="Top-5 classes">
                  {top.map((t) => (
                    <li key={t.index}>
                      <span>{t.label} <span className="muted small">#{t.index}</span><div className="bar" style={{ width: `${(t.prob * 100).toFixed(1)}%` }} /></span>
                      <span className="num">{(t.prob * 100).toFixed(2)}%</span>
                    </li>
                  ))}
                </ol>
              </>
            ) : (
              <p className="muted small">{overview.camError}</p>
            )}
            <p className="muted small">Forward pass {overview.ms.toFixed(0)} ms on {overview.backend}.</p>
          </div>
        </div>
      )}
    </section>
  );
}
