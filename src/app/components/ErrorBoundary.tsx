import { Component, type ContextType, type ReactNode } from 'react';
import { I18nContext } from '../i18n/I18n.tsx';

interface Props {
  children: ReactNode;
  /** A change of this key (a new network, order or convention) clears a shown error and renders the children again. */
  resetKey?: string;
}
interface State { error: Error | null; errorKey: string | undefined }

/**
 * A view that throws shows its message instead of blanking the page. It is not keyed on the config:
 * remounting on every edit would throw away the views' own state (selected row, expanded groups, a
 * forms result); instead an error is cleared when `resetKey` changes.
 */
export class ErrorBoundary extends Component<Props, State> {
  static override contextType = I18nContext;
  declare context: ContextType<typeof I18nContext>;
  override state: State = { error: null, errorKey: undefined };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (state.error && state.errorKey === undefined) return { errorKey: props.resetKey };
    if (state.error && props.resetKey !== state.errorKey) return { error: null, errorKey: undefined };
    return null;
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="error-box" role="alert">
          <strong>{this.context.t(this.state.error.name === 'ConfigError' ? 'app.cannotShow' : 'app.wentWrong')}{this.context.lang === 'zh' ? '：' : ':'}</strong>{' '}
          {this.context.error(this.state.error)}
        </div>
      );
    }
    return this.props.children;
  }
}
