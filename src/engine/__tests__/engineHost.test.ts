import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureHub } from '../../../scripts/fixture-hub.mjs';
import { EngineHost, type LoadProgress } from '../engineHost';
import { isEngineError } from '../errors';
import type { ByteCache } from '../modelSource';
import { reference, caseInputs, maxAbsDiff } from './fixtures';

let hub: { url: string; requests: string[]; close(): Promise<void> };
beforeAll(async () => {
  hub = await startFixtureHub();
});
afterAll(() => hub.close());

function memoryCache(): ByteCache {
  const store = new Map<string, Uint8Array>();
  return { get: async (url) => store.get(url) ?? null, put: async (url, bytes) => void store.set(url, bytes) };
}

const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null } as const;

describe('EngineHost over the Hub layout', () => {
  it('loads from a Hub host with byte progress, and a second load reads the cache', async () => {
    const cache = memoryCache();
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache });
    const progress: LoadProgress[] = [];
    const spec = { kind: 'hub', repo: 'head-atlas/tiny-bert', revision: 'main', host: hub.url } as const;
    const info = await host.load(spec, {}, (p) => progress.push(p));
    expect(info.format).toBe('safetensors');
    expect(info.shape).toMatchObject({ layers: 3, heads: 4, hidden: 32 });
    const weights = progress.filter((p) => p.file === 'model.safetensors' && p.stage === 'download');
    expect(weights.at(-1)).toMatchObject({ loaded: 173480, total: 173480, cached: false });
    const downloads = hub.requests.length;

    const again: LoadProgress[] = [];
    const second = await host.load(spec, {}, (p) => again.push(p));
    // Only the files that were missing (404s are not cached) are asked for again.
    expect(hub.requests.slice(downloads).every((r) => !r.endsWith('model.safetensors') && !r.endsWith('config.json'))).toBe(true);
    expect(again.find((p) => p.file === 'model.safetensors' && p.stage === 'download')).toMatchObject({ cached: true });

    const c = reference('tiny-bert').cases[2];
    const out = await host.run(second.id, { examples: caseInputs(c) });
    out.attentions!.forEach((a, l) => expect(maxAbsDiff(a, c.attentions[l].flat(3))).toBeLessThanOrEqual(1e-4));
  });

  it('encodes revisions with slashes, and tokenizes and runs text', async () => {
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const info = await host.load({ kind: 'hub', repo: 'head-atlas/tiny-bert-sst2', revision: 'refs/pr/2', host: hub.url }, { format: 'pytorch' });
    expect(hub.requests).toContain('/head-atlas/tiny-bert-sst2/resolve/refs%2Fpr%2F2/pytorch_model.bin');
    expect(info.head).toBe('sequence-classification');
    expect(info.shape.labels).toEqual(['negative', 'positive']);
    const out = await host.run(info.id, { examples: [{ textA: 'the movie was good' }, { textA: 'a cat', textB: 'sat on the mat' }] });
    expect(out.encodings![0].tokens).toEqual(['[CLS]', 'the', 'movie', 'was', 'good', '[SEP]']);
    expect(out.encodings![1].tokenTypeIds).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(out.logitsDims).toEqual([2, 2]);
    // Results own their buffers, so the worker transfers them without a copy.
    for (const a of [...out.attentions!, out.logits!]) expect(a.buffer.byteLength).toBe(a.byteLength);
  });

  it('refuses an unknown repo, an unknown revision, and a failed download with clear messages', async () => {
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const fail = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e) => { expect(isEngineError(e)).toBe(true); return e as Error & { code: string }; });
    const unknown = await fail(host.load({ kind: 'hub', repo: 'head-atlas/nope', revision: 'main', host: hub.url }));
    expect(unknown.code).toBe('not-found');
    expect(unknown.message).toContain('head-atlas/nope@main has no config.json');
    const badRevision = await fail(host.load({ kind: 'hub', repo: 'head-atlas/tiny-bert', revision: 'v9', host: hub.url }));
    expect(badRevision.code).toBe('not-found');
    const unreachable = await fail(host.load({ kind: 'hub', repo: 'head-atlas/tiny-bert', revision: 'main', host: 'http://127.0.0.1:9' }));
    expect(unreachable.code).toBe('network');
    expect(unreachable.message).toMatch(/Could not reach 127\.0\.0\.1:9/);
  });

  it('cancels a load in flight', async () => {
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const load = host.load({ kind: 'hub', repo: 'head-atlas/tiny-bert', revision: 'main', host: hub.url }, { jobId: 'j1' });
    host.cancel('j1');
    await expect(load).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('loads a folder of files (picked or dropped), ONNX included', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { hubFolder } = await import('./fixtures');
    const dir = hubFolder('tiny-bert-mlm');
    const walk = (d: string, prefix: string): { path: string; blob: Blob }[] =>
      readdirSync(d).flatMap((f) => (statSync(`${d}/${f}`).isDirectory() ? walk(`${d}/${f}`, `${prefix}${f}/`) : [{ path: `${prefix}${f}`, blob: new Blob([readFileSync(`${d}/${f}`)]) }]));
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const info = await host.load({ kind: 'files', label: 'my-mlm', files: walk(dir, 'tiny-bert-mlm/') }, { format: 'onnx' });
    expect(info).toMatchObject({ format: 'onnx', head: 'masked-lm', label: 'my-mlm' });
  });
});

describe('a failed WebGPU device', () => {
  it('falls back to WASM for the model, and says why', async () => {
    // onnxruntime-web in Node has no WebGPU backend: session creation on it fails, as a lost device would.
    const gpu = { requested: 'webgpu', backend: 'webgpu', threads: 1, crossOriginIsolated: false, fallbackReason: null } as const;
    const host = new EngineHost({ ort, backend: gpu, appBaseUrl: 'http://unused/', cache: null });
    const info = await host.load({ kind: 'hub', repo: 'head-atlas/tiny-bert', revision: 'main', host: hub.url });
    expect(info.backend).toBe('wasm');
    expect(info.fallbackReason).toMatch(/^WebGPU failed for this model \(.+\); running on WASM\.$/);
    const c = reference('tiny-bert').cases[0];
    const out = await host.run(info.id, { examples: caseInputs(c) });
    expect(maxAbsDiff(out.attentions![0], c.attentions[0].flat(3))).toBeLessThanOrEqual(1e-4);
  });
});
