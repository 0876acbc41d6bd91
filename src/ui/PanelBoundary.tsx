import { Component, type ReactNode } from 'react';

interface Props {
  /** What the panel is, for the message ("The masking panel"). */
  name: string;
  /** A change of this value (another model, panel or text) renders the panel again. */
  resetKey: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
  resetKey: string;
}

/**
 * Contains a render error to one panel: it shows what failed there, and the rest of the app keeps
 * working (without a boundary React unmounts the whole page).
 */
export class PanelBoundary extends Component<Props, State> {
  state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey !== state.resetKey ? { error: null, resetKey: props.resetKey } : null;
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel-error" role="alert" data-testid="panel-error">
        {this.props.name} failed to draw: {error.message}. The rest of Head Atlas still works; another model, text or panel draws it again.{' '}
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </section>
    );
  }
}
