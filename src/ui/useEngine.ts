import { useCallback, useEffect, useRef, useState } from 'react';
import { startEngine, webgpuExposed, type Backend, type BackendInfo, type EngineClient, type LoadProgress, type ModelInfo, type ModelSpec } from '../engine/client';
import type { ModelFormat } from '../engine/loadModel';
import { WEIGHT_CHOICES, type WeightChoice } from './modelText';

export type BackendChoice = Backend | 'auto';

export interface LoadState {
  label: string;
  progress: LoadProgress | null;
}

/**
 * The engine worker's lifecycle: one worker per backend choice. A model stays loaded until another
 * loads successfully, so a failed load leaves the app as it was.
 */
export function useEngine(choice: BackendChoice, onError: (message: string) => void) {
  const [client, setClient] = useState<EngineClient | null>(null);
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [loading, setLoading] = useState<LoadState | null>(null);
  const jobRef = useRef(0);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  useEffect(() => {
    let live = true;
    let started: EngineClient | null = null;
    setClient(null);
    setModel(null);
    const wanted: Backend = choice === 'auto' ? (webgpuExposed() ? 'webgpu' : 'wasm') : choice;
    startEngine(wanted)
      .then((c) => {
        started = c;
        if (!live) return c.terminate();
        setClient(c);
        setBackend(c.backend);
      })
      .catch((e) => onErrorRef.current(`The engine could not start: ${(e as Error).message}`));
    return () => {
      live = false;
      started?.terminate();
    };
  }, [choice]);

  const load = useCallback(
    async (spec: ModelSpec, weights: WeightChoice): Promise<ModelInfo | null> => {
      if (!client) return null;
      // A newer load supersedes one in flight: stop its download.
      if (jobRef.current) void client.cancel(`load-${jobRef.current}`);
      const job = ++jobRef.current;
      const label = spec.kind === 'hub' ? `${spec.repo}@${spec.revision}` : spec.kind === 'bundled' ? spec.name : spec.label;
      setLoading({ label, progress: null });
      try {
        const { format, onnxFile } = WEIGHT_CHOICES[weights] as { format: ModelFormat | 'auto'; onnxFile?: string };
        const info = await client.load(spec, { format, onnxFile, jobId: `load-${job}` }, (p) => setLoading((s) => (s ? { ...s, progress: p } : s)));
        if (jobRef.current !== job) return null;
        setModel(info);
        return info;
      } catch (e) {
        if ((e as { code?: string }).code !== 'cancelled') onErrorRef.current((e as Error).message);
        return null;
      } finally {
        if (jobRef.current === job) setLoading(null);
      }
    },
    [client],
  );

  const cancelLoad = useCallback(() => {
    if (client) void client.cancel(`load-${jobRef.current}`);
  }, [client]);

  return { client, backend, model, loading, load, cancelLoad };
}
