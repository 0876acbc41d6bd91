import type { LoadState } from './useEngine';

/** What a loading model's pane shows: the shape of what is coming, and what is happening. */
export function GridPlaceholder({ layers, heads, loading }: { layers: number; heads: number; loading: LoadState | null }) {
  const p = loading?.progress;
  const what = loading ? `Loading ${loading.label}${p?.total ? `: ${Math.round((100 * p.loaded) / p.total)}% of ${p.file}` : p?.stage === 'session' ? ': starting the session' : '…'}` : 'Running the model…';
  return (
    <section className="pane pane-grid" aria-label="Heads" aria-busy="true">
      <header className="pane-head">
        <h2>Heads</h2>
      </header>
      <div className="pane-body grid-body">
        <div className="placeholder-grid" data-testid="grid-placeholder" style={{ gridTemplateColumns: `repeat(${heads}, 1fr)` }}>
          {Array.from({ length: layers * heads }, (_, i) => (
            <span key={i} className="shimmer" />
          ))}
        </div>
      </div>
      <footer className="pane-foot">
        <p className="status-line" role="status" data-testid="grid-placeholder-status">
          {what}
        </p>
      </footer>
    </section>
  );
}

export function DetailPlaceholder() {
  return (
    <section className="pane pane-detail" aria-label="Selected head" aria-busy="true">
      <div className="placeholder-detail">
        <span className="shimmer square" />
        <span className="shimmer bar" />
        <span className="shimmer bar short" />
      </div>
    </section>
  );
}
