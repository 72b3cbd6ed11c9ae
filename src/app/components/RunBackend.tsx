/**
 * The backend picker of the Run view: each backend probed, available or not, with the reason; "auto"
 * picks the best available. Renders what it is given; the choice goes back through `onChoose`.
 */
import type { BackendName, BackendStatus } from '../../model/engine/protocol.ts';
import { BACKEND_CHOICES, type BackendChoice } from '../state.ts';
import type { Message } from '../../model/message.ts';
import { useI18n } from '../i18n/I18n.tsx';
import { Card } from './Card.tsx';

interface RunBackendProps {
  backends: BackendStatus[] | null;
  active: BackendName | null;
  choice: BackendChoice;
  error: Message | null;
  onChoose: (name: BackendChoice) => void;
}

export function RunBackend({ backends, active, choice, error, onChoose }: RunBackendProps) {
  const { t, msg } = useI18n();
  return (
    <Card id="backend" title={<>{t('run.backend')} {active && <span className="muted small">{t('run.inUse', { backend: active })}</span>}</>}>
      {error && <p className="field-error" role="alert">{msg(error)}</p>}
      {!backends && !error && <p className="muted">{t('run.probing')}</p>}
      {backends && (
        <div className="backends" role="radiogroup" aria-label={t('run.backend')}>
          {BACKEND_CHOICES.map((name) => {
            const status = backends.find((b) => b.name === name);
            const available = name === 'auto' || status?.available === true;
            return (
              <div key={name} className={`backend${choice === name ? ' on' : ''}`}>
                <label>
                  <input type="radio" name="backend" value={name} checked={choice === name} disabled={!available} onChange={() => onChoose(name)} />
                  {name}
                  {name !== 'auto' && <span className={`badge ${available ? 'ok' : 'no'}`}>{t(available ? 'run.available' : 'run.unavailable')}</span>}
                </label>
                <span className="muted small">{name === 'auto' ? t('run.bestAvailable') : (status?.reasonMessage ? msg(status.reasonMessage) : status?.reason) ?? (available ? t('run.ready') : '')}</span>
              </div>
            );
          })}
        </div>
      )}
    </Card>
  );
}
