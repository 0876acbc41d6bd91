import { useCallback, useEffect, useRef, useState } from 'react';
import { endedByRestart, newJobId, startEngine, webgpuExposed, type Backend, type BackendInfo, type EngineClient, type EngineRestart, type LoadProgress, type ModelInfo, type ModelSpec } from '../engine/client';
import type { ModelFormat } from '../engine/loadModel';
import { specOfModelText, WEIGHT_CHOICES, type WeightChoice } from './modelText';
import { URL_SCHEMA } from './urlState';

export type BackendChoice = Backend | 'auto';

export interface LoadState {
  label: string;
  progress: LoadProgress | null;
}

interface Wanted {
  spec: ModelSpec;
  weights: WeightChoice;
}

const labelOf = (spec: ModelSpec) => (spec.kind === 'hub' ? `${spec.repo}@${spec.revision}` : spec.kind === 'bundled' ? `bundled:${spec.name}` : spec.label);

/** The model the app opens on, loaded again when a model hangs and none was loaded before it. */
export const DEFAULT_MODEL_SPEC: ModelSpec = specOfModelText(URL_SCHEMA.model.fallback, URL_SCHEMA.hubHost.fallback);

/**
 * The engine worker's lifecycle: one worker per backend choice. A model stays loaded until another
 * loads successfully, and is then unloaded, so a failed load leaves the app as it was. When the
 * engine's watchdog restarts the worker (a call hung, or did not stop after Cancel), the model in
 * use is loaded again, or the one before it when it was the one that hung, and the user is told.
 */
export function useEngine(choice: BackendChoice, onError: (message: string, kind?: 'error' | 'notice') => void) {
  const [client, setClient] = useState<EngineClient | null>(null);
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [model, setModel] = useState<ModelInfo | null>(null);
  const [loading, setLoading] = useState<LoadState | null>(null);
  /** The load in flight (the latest asked for). */
  const jobRef = useRef<{ id: string; wanted: Wanted } | null>(null);
  /** The latest load asked for, until it succeeds or fails on its own (a restart does not end it). */
  const requested = useRef<{ id: string; wanted: Wanted } | null>(null);
  const current = useRef<(Wanted & { info: ModelInfo }) | null>(null);
  const previous = useRef<Wanted | null>(null);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  useEffect(() => {
    let live = true;
    let started: EngineClient | null = null;
    setClient(null);
    setModel(null);
    current.current = null;
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
      if (jobRef.current) void client.cancel(jobRef.current.id);
      const job = { id: newJobId('load'), wanted: { spec, weights } };
      jobRef.current = job;
      requested.current = job;
      setLoading({ label: labelOf(spec), progress: null });
      let restarted = false;
      try {
        const { format, onnxFile } = WEIGHT_CHOICES[weights] as { format: ModelFormat | 'auto'; onnxFile?: string };
        const info = await client.load(spec, { format, onnxFile, jobId: job.id }, (p) => setLoading((s) => (s ? { ...s, progress: p } : s)));
        if (jobRef.current !== job) {
          void client.unload(info.id);
          return null;
        }
        // The model it replaces is freed in the worker (its sessions hold 3–4 × its weights).
        const replaced = current.current;
        if (replaced && replaced.info.id !== info.id) {
          previous.current = { spec: replaced.spec, weights: replaced.weights };
          void client.unload(replaced.info.id);
        }
        current.current = { spec, weights, info };
        setModel(info);
        return info;
      } catch (e) {
        restarted = endedByRestart(e);
        if ((e as { code?: string }).code !== 'cancelled') onErrorRef.current((e as Error).message);
        return null;
      } finally {
        if (requested.current === job && !restarted) requested.current = null;
        if (jobRef.current === job) {
          jobRef.current = null;
          setLoading(null);
        }
      }
    },
    [client],
  );
  const loadRef = useRef(load);
  loadRef.current = load;

  // After a watchdog restart no model is loaded: load one again, and say which hung.
  useEffect(() => {
    if (!client) return;
    return client.onRestart((r: EngineRestart) => {
      setModel(null);
      const inUse = current.current;
      current.current = null;
      // A load the restart interrupted (not the one that hung) is asked for again.
      const newerLoad = requested.current && requested.current.wanted.spec !== r.loading ? requested.current.wanted : null;
      requested.current = null;
      const modelHung = !r.loading && !r.cancelled && inUse && r.modelId === inUse.info.id;
      const fallback = modelHung ? (previous.current ?? (labelOf(inUse.spec) === labelOf(DEFAULT_MODEL_SPEC) ? null : { spec: DEFAULT_MODEL_SPEC, weights: 'auto' as const })) : inUse;
      const target = newerLoad ?? fallback;
      if (modelHung) previous.current = null;
      const subject = r.what === 'loading' ? `Loading ${r.modelLabel}` : `${r.modelLabel} (${r.what})`;
      const what = r.cancelled ? `${subject} did not stop within ${r.seconds} s of Cancel` : `${subject} did not answer within ${r.seconds} s`;
      jobRef.current = null;
      setLoading(null);
      if (!target) return onErrorRef.current(`${what}; the engine was restarted. Load a model to go on.`);
      void loadRef.current(target.spec, target.weights).then((info) => {
        if (info) onErrorRef.current(`${what}; the engine was restarted and ${labelOf(target.spec)} reloaded.`, r.cancelled ? 'notice' : 'error');
        else onErrorRef.current(`${what}; the engine was restarted, but ${labelOf(target.spec)} could not be loaded again.`);
      });
    });
  }, [client]);

  const cancelLoad = useCallback(() => {
    if (client && jobRef.current) void client.cancel(jobRef.current.id);
  }, [client]);

  return { client, backend, model, loading, load, cancelLoad };
}
