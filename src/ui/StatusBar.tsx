import type { BackendInfo, ModelInfo } from '../engine/client';
import type { BackendChoice, LoadState } from './useEngine';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

export function StatusBar({ choice, backend, model, loading, onBackend, onCancel }: {
  choice: BackendChoice;
  backend: BackendInfo | null;
  model: ModelInfo | null;
  loading: LoadState | null;
  onBackend(choice: BackendChoice): void;
  onCancel(): void;
}) {
  const p = loading?.progress;
  return (
    <div className="status-bar">
      <label>
        Backend
        <select name="backend" value={choice} onChange={(e) => onBackend(e.target.value as BackendChoice)}>
          <option value="auto">auto</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
        </select>
      </label>
      <span className="backend-in-use" data-backend={model?.backend ?? backend?.backend ?? ''}>
        {backend ? (
          <>
            running on <strong>{(model?.backend ?? backend.backend) === 'webgpu' ? 'WebGPU' : 'WASM'}</strong>
            {(model?.backend ?? backend.backend) === 'wasm' && ` (${backend.threads} thread${backend.threads === 1 ? '' : 's'})`}
          </>
        ) : (
          'starting the engine…'
        )}
      </span>
      {(model?.fallbackReason ?? backend?.fallbackReason) && <span className="fallback">{model?.fallbackReason ?? backend?.fallbackReason}</span>}
      {model?.notices?.map((notice) => (
        <span key={notice} className="fallback model-notice">
          {notice}
        </span>
      ))}
      {loading && (
        <span className="progress" data-testid="load-progress" aria-live="polite">
          Loading {loading.label}: {p ? `${p.stage === 'session' ? 'starting session' : p.file} ${p.stage === 'download' ? `${bytes(p.loaded)}${p.total ? ` of ${bytes(p.total)}` : ''}${p.cached ? ' (cached)' : ''}` : ''}` : 'config…'}
          {p?.total ? <progress value={p.loaded} max={p.total} /> : null}
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </span>
      )}
      {model && !loading && (
        <span className="model-info" data-testid="model-info">
          {model.label} · {model.shape.layers} layers × {model.shape.heads} heads · {model.format} · {model.head}
        </span>
      )}
    </div>
  );
}
