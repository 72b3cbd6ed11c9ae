import { Component, type ReactNode } from 'react';

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
          <strong>{this.state.error.name === 'ConfigError' ? 'This network cannot be shown' : 'Something went wrong'}:</strong>{' '}
          {this.state.error.message}
        </div>
      );
    }
    return this.props.children;
  }
}
