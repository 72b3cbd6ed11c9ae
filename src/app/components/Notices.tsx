import type { Message } from '../../model/message.ts';
import { useI18n } from '../i18n/I18n.tsx';

export function Notices({ notices, onDismiss }: { notices: Message[]; onDismiss: () => void }) {
  const { t, msg } = useI18n();
  if (notices.length === 0) return null;
  return (
    <div className="notice" role="status" aria-label={t('app.notice')}>
      <div>
        <strong>{t('app.linkAdjusted')}</strong>
        <ul>
          {notices.map((n) => <li key={n.text}>{msg(n)}</li>)}
        </ul>
      </div>
      <button type="button" className="ghost" onClick={onDismiss}>{t('app.dismiss')}</button>
    </div>
  );
}
