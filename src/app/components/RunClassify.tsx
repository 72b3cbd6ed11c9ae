/**
 * The classify part of the Run view: an image by file picker or drag and drop, preprocessed as the
 * loaded weights' config says (or as chosen), the crop the network sees, the top-k classes named by
 * the weights' class set, and the latency. No prediction without loaded weights.
 */
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { LoadedWeights, Prediction } from '../../model/engine/client.ts';
import { cropNote, describePreprocess, type PreprocessConfig } from '../../model/preprocess.ts';
import { findPretrained, PRETRAINED } from '../../model/pretrained.ts';
import { ms } from '../format.ts';
import { useEngineTask } from '../useEngineTask.ts';

/** How many classes a prediction lists. */
export const TOP_K = 5;

/** The distinct preprocessings of the catalogue, each named by its crop note and the checkpoints that use it. */
function preprocessChoices(): { key: string; config: PreprocessConfig; label: string }[] {
  const groups = new Map<string, { config: PreprocessConfig; tags: string[] }>();
  for (const p of PRETRAINED) {
    const key = JSON.stringify(p.preprocess);
    const g = groups.get(key) ?? { config: p.preprocess, tags: [] };
    g.tags.push(p.tag);
    groups.set(key, g);
  }
  return [...groups].map(([key, g]) => ({
    key,
    config: g.config,
    label: `${cropNote(g.config)} (${g.tags[0]}${g.tags.length > 1 ? ` and ${g.tags.length - 1} more` : ''})`,
  }));
}

function Crop({ image }: { image: ImageData }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    ref.current?.getContext('2d')?.putImageData(image, 0, 0);
  }, [image]);
  return <canvas ref={ref} className="crop" width={image.width} height={image.height} aria-label={`Preprocessed ${image.width}×${image.height} crop`} role="img" />;
}

export function RunClassify({ weights, onGoToWeights }: { weights: LoadedWeights | null; onGoToWeights: () => void }) {
  const [image, setImage] = useState<{ blob: Blob; name: string } | null>(null);
  const [over, setOver] = useState(false);
  // '' = the weights' own preprocessing; else the key of a catalogue preprocessing.
  const [choice, setChoice] = useState('');
  const choices = useMemo(preprocessChoices, []);
  const task = useEngineTask<Prediction & { image: string }>();
  const chosen = choices.find((c) => c.key === choice)?.config;
  const { run, reset } = task;

  useEffect(() => {
    if (!weights || !image) {
      reset();
      return;
    }
    void run(async (engine) => ({ ...(await engine.classify(image.blob, TOP_K, chosen)), image: image.name }));
  }, [weights, image, chosen, run, reset]);

  const pick = (file: File | undefined) => {
    if (file) setImage({ blob: file, name: file.name });
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    pick(e.dataTransfer.files[0]);
  };

  const pre = chosen ?? weights?.preprocess;
  const own = weights?.pretrained ? findPretrained(weights.pretrained) : undefined;
  const prediction = task.result;
  return (
    <section className="card" aria-labelledby="image-title">
      <h3 id="image-title">Image</h3>
      <div
        className={`drop${over ? ' over' : ''}`}
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <label htmlFor="image-file">Choose an image or drop it here</label>{' '}
        <input id="image-file" type="file" accept="image/*" onChange={(e) => { pick(e.target.files?.[0]); e.target.value = ''; }} />
        <p className="muted small">
          {pre
            ? `${describePreprocess(pre)}${chosen ? ' (chosen below)' : own ? ` (${own.preprocessSource})` : ' (the default: these weights are not in the catalogue; choose another below)'}.`
            : 'Each checkpoint brings its own preprocessing (resize, crop, mean and std): load weights first.'}
        </p>
      </div>
      {weights && (
        <div className="toolbar">
          <div className="field inline">
            <label htmlFor="preprocess-choice">Preprocessing</label>
            <select id="preprocess-choice" value={choice} onChange={(e) => setChoice(e.target.value)}>
              <option value="">The weights' own: {cropNote(weights.preprocess)}</option>
              {choices.map((c) => <option key={c.key} value={c.key}>{c.label}</option>)}
            </select>
          </div>
        </div>
      )}
      {image && !weights && (
        <p className="field-error" role="alert">
          A prediction needs weights: load pretrained weights above, then “{image.name}” is classified.{' '}
          <button type="button" onClick={onGoToWeights}>Go to the weights</button>
        </p>
      )}
      {image && task.error && <p className="field-error" role="alert">{image.name}: {task.error}</p>}
      {task.running && <p className="muted">Classifying…</p>}
      {prediction && weights && (
        <div className="run-grid" aria-label="Prediction">
          <Crop image={prediction.crop} />
          <div>
            <p className="small">Top-{TOP_K} for “{prediction.image}”</p>
            <ol className="bars" aria-label={`Top-${TOP_K} classes`}>
              {prediction.top.map((t) => (
                <li key={t.index}>
                  <span>
                    {t.label} <span className="muted small">#{t.index}</span>
                    <span className="bar" style={{ width: `${(t.prob * 100).toFixed(1)}%` }} />
                  </span>
                  <span className="num">{(t.prob * 100).toFixed(2)}%</span>
                </li>
              ))}
            </ol>
            <p className="muted small">Latency {ms(prediction.ms)} on {prediction.backend} (preprocessing + forward pass).</p>
            <p className="muted small">
              Class names: {weights.classes ? `${weights.classes}${weights.classesAssumed ? ` (assumed from the ${weights.config.classes} outputs)` : ''}` : 'none known (class indices)'}.
            </p>
          </div>
        </div>
      )}
    </section>
  );
}
