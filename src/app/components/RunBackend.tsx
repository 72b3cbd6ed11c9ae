/**
 * The backend picker of the Run view: each backend probed, available or not, with the reason; "auto"
 * picks the best available. Renders what it is given; the choice goes back through `onChoose`.
 */
import type { BackendName, BackendStatus } from '../../model/engine/client.ts';
import { BACKEND_CHOICES, type BackendChoice } from '../state.ts';

export interface RunBackendProps {
  backends: BackendStatus[] | null;
  active: BackendName | null;
  choice: BackendChoice;
  error: string;
  onChoose: (name: BackendChoice) => void;
}

export function RunBackend({ backends, active, choice, error, onChoose }: RunBackendProps) {
  return (
    <section className="card" aria-labelledby="backend-title">
      <h3 id="backend-title">Backend {active && <span className="muted small">in use: {active}</span>}</h3>
      {error && <p className="field-error" role="alert">{error}</p>}
      {!backends && !error && <p className="muted">Probing webgpu, webgl, wasm and cpu…</p>}
      {backends && (
        <div className="backends" role="radiogroup" aria-label="Backend">
          {BACKEND_CHOICES.map((name) => {
            const status = backends.find((b) => b.name === name);
            const available = name === 'auto' || status?.available === true;
            return (
              <div key={name} className={`backend${choice === name ? ' on' : ''}`}>
                <label>
                  <input type="radio" name="backend" value={name} checked={choice === name} disabled={!available} onChange={() => onChoose(name)} />
                  {name}
                  {name !== 'auto' && <span className={`badge ${available ? 'ok' : 'no'}`}>{available ? 'available' : 'unavailable'}</span>}
                </label>
                <span className="muted small">{name === 'auto' ? 'best available: webgpu, webgl, wasm, cpu; software GPU adapters after wasm' : status?.reason ?? (available ? 'ready' : '')}</span>
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}
