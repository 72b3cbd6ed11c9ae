import { Component, type ReactNode } from 'react';

interface Props { children: ReactNode }
interface State { error: Error | null }

/** A view that throws shows its message instead of blanking the page. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
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
