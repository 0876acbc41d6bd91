import type { BackendInfo, ModelInfo } from '../engine/client';
import type { BackendChoice, LoadState } from './useEngine';

/** Bytes in decimal units (kB = 1000 B, MB = 1000 kB), as the Hub and file managers show sizes. */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1000 ** 2) return `${(n / 1000).toFixed(1)} kB`;
  if (n < 1000 ** 3) return `${(n / 1000 ** 2).toFixed(1)} MB`;
  return `${(n / 1000 ** 3).toFixed(2)} GB`;
}

/** The backend menu and what actually runs (a dot: green on WebGPU, amber on WASM). */
export function BackendControl({ choice, backend, model, onBackend }: { choice: BackendChoice; backend: BackendInfo | null; model: ModelInfo | null; onBackend(choice: BackendChoice): void }) {
  const running = model?.backend ?? backend?.backend;
  const fallback = model?.fallbackReason ?? backend?.fallbackReason;
  return (
    <div className="backend-control">
      <label>
        <span className="label-text">Run on</span>
        <select name="backend" title="Run on: WebGPU, WASM, or auto (WebGPU where the browser has it)" value={choice} onChange={(e) => onBackend(e.target.value as BackendChoice)}>
          <option value="auto">auto</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
        </select>
      </label>
      <span className={`backend-in-use${running ? ` on-${running}` : ''}`} data-backend={running ?? ''} title={fallback ?? undefined}>
        {backend ? (
          <>
            <span className="wide-only">running on </span>
            <strong>{running === 'webgpu' ? 'WebGPU' : 'WASM'}</strong>
            {running === 'wasm' && <span className="wide-only">{` (${backend.threads} thread${backend.threads === 1 ? '' : 's'})`}</span>}
          </>
        ) : (
          'starting the engine…'
        )}
      </span>
    </div>
  );
}

/** The bar at the bottom: the model loaded, download progress, why WebGPU is not used, and what is computing. */
export function StatusBar({ backend, model, loading, onCancel, computing, children }: {
  backend: BackendInfo | null;
  model: ModelInfo | null;
  loading: LoadState | null;
  onCancel(): void;
  computing: boolean;
  children?: React.ReactNode;
}) {
  const p = loading?.progress;
  const fallback = model?.fallbackReason ?? backend?.fallbackReason;
  return (
    <footer className="status-bar">
      {loading && (
        <span className="progress" data-testid="load-progress" aria-live="polite">
          Loading {loading.label}: {p ? `${p.stage === 'session' ? 'starting session' : p.file} ${p.stage === 'download' ? `${bytes(p.loaded)}${p.total ? ` of ${bytes(p.total)}` : ''}${p.cached ? ' (cached)' : ''}` : ''}` : 'reading its configuration…'}
          {p?.total ? <progress value={p.loaded} max={p.total} aria-label="Download progress" /> : null}
          <button type="button" className="quiet" onClick={onCancel}>
            Cancel
          </button>
        </span>
      )}
      {model && !loading && (
        <span className="model-info" data-testid="model-info">
          {model.label} · {model.shape.layers} layers × {model.shape.heads} heads · {model.format} · {model.head}
        </span>
      )}
      {!model && !loading && <span className="model-info-pending">{backend ? 'no model loaded' : 'starting the engine…'}</span>}
      {computing && (
        <span className="computing" data-testid="computing">
          computing…
        </span>
      )}
      {fallback && (
        <span className="fallback" title={fallback}>
          {fallback}
        </span>
      )}
      {model?.notices?.map((notice) => (
        <span key={notice} className="fallback model-notice" title={notice}>
          {notice}
        </span>
      ))}
      <span className="spacer" />
      {children}
    </footer>
  );
}
