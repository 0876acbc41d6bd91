// A model replaces the loaded one only once it has run a short input; downloads are cached only
// once they parsed; hosts that answer with web pages or carry credentials are refused.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../engineHost';
import type { ByteCache } from '../modelSource';
import { encodeModel } from '../onnxGraph';
import { onnx } from '../onnxProto.js';
import { plainOrtMessage } from '../trialRun';
import { hubFolder, refusal } from './fixtures';

const backend = { requested: 'wasm', backend: 'wasm', threads: 1, crossOriginIsolated: false, fallbackReason: null } as const;
const TOKENIZER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];


/** tiny-bert's folder as picked files, with some replaced. */
function folder(name: string, replaced: Record<string, Uint8Array | string> = {}, paths = [...TOKENIZER_FILES, 'onnx/model.onnx']) {
  const dir = hubFolder(name);
  return paths.flatMap((p) => {
    const bytes = replaced[p] ?? (() => { try { return readFileSync(`${dir}/${p}`); } catch { return null; } })();
    return bytes === null ? [] : [{ path: `m/${p}`, blob: new Blob([bytes as BlobPart]) }];
  });
}

/** tiny-bert's ONNX export, changed by `edit` (its graph's last output is `out`, now written by `edit`'s nodes). */
function editedOnnx(name: string, edit: (g: onnx.GraphProto, out: string, preOut: string) => void): Uint8Array {
  const m = onnx.ModelProto.decode(readFileSync(`${hubFolder(name)}/onnx/model.onnx`));
  const g = m.graph as onnx.GraphProto;
  const out = g.output[0].name as string;
  const producer = (g.node as onnx.NodeProto[]).find((n) => n.output.includes(out))!;
  producer.output = producer.output.map((o) => (o === out ? 'pre_out' : o));
  edit(g, out, 'pre_out');
  return encodeModel(m);
}

const int64 = (name: string, values: number[]) => ({ name, dims: [values.length], dataType: 7, int64Data: values }) as onnx.ITensorProto;
const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []) =>
  ({ opType, input, output, name: `/crafted/${opType}_${output[0]}`, attribute }) as onnx.INodeProto;

describe('plain ONNX Runtime messages', () => {
  it.each([
    [
      'failed to call OrtRun(). ERROR_CODE: 1, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:93 onnxruntime::ReshapeHelper::ReshapeHelper(const TensorShape &, TensorShapeVector &, bool) input_shape_size == requested_shape_size was false. The input tensor cannot be reshaped to the requested shape. Input shape:{1,3,32}, requested shape:{1,3,5}',
      'The input tensor cannot be reshaped to the requested shape. Input shape:{1,3,32}, requested shape:{1,3,5}',
    ],
    [
      'failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: /mnt/azure_nvme_temp/_work/1/s/onnxruntime/core/framework/op_kernel.cc:83 virtual OrtValue *onnxruntime::OpKernelContext::OutputMLValue(int, const TensorShape &) [ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Tensor shape is too large',
      'the graph asks for a tensor too large to allocate',
    ],
    [
      "Non-zero status code returned while running Gather node. Name:'/embeddings/word_embeddings/Gather' Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/tensor/gather.cc:112 onnxruntime::common::Status onnxruntime::GatherCopyData(const Tensor *, const uint8_t *, uint8_t *, bool, const size_t, const size_t, const size_t, const int64_t, const int64_t, concurrency::ThreadPool *) indices element out of data bounds, idx=500 must be within the inclusive range [-409,408]",
      'its Gather node "/embeddings/word_embeddings/Gather" failed (indices element out of data bounds, idx=500 must be within the inclusive range [-409,408])',
    ],
    [
      "Can't create a session. ERROR_CODE: 1, ERROR_MESSAGE: /mnt/x/onnxruntime/core/optimizer/initializer.cc:79 onnxruntime::Initializer::Initializer(const Graph &, const onnx::TensorProto &, const std::filesystem::path &, bool) [ONNXRuntimeError] : 1 : FAIL : tensorprotoutils.cc:1544 ValidateEmbeddedTensorProtoDataSizeAndShape Initializer 'w': data field count (2) does not match expected count from shape (1)",
      "Can't create a session. ValidateEmbeddedTensorProtoDataSizeAndShape Initializer 'w': data field count (2) does not match expected count from shape (1)",
    ],
  ])('%#', (raw, plain) => {
    const shown = plainOrtMessage(raw);
    expect(shown).toBe(plain);
    expect(shown).not.toMatch(/\.(cc|h):\d+|onnxruntime::|ERROR_CODE|\/mnt\//);
  });
});

describe('a model must run a short input before it replaces the loaded one', () => {
  it('graphs that load but cannot run are refused with a plain message, and the loaded model keeps working', async () => {
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const good = await host.load({ kind: 'files', label: 'good', files: folder('tiny-bert') }, { format: 'onnx' });

    // A Reshape whose target shape is only known at run time, and wrong.
    const reshape = editedOnnx('tiny-bert', (g, out, pre) => {
      g.initializer.push(int64('five', [5]) as onnx.TensorProto);
      g.node.push(node('Shape', ['input_ids'], ['ids_shape']), node('Concat', ['ids_shape', 'five'], ['bad_shape'], [{ name: 'axis', type: 2, i: 0 }]), node('Reshape', [pre, 'bad_shape'], [out]));
    });
    const e1 = await refusal(host.load({ kind: 'files', label: 'broken-reshape', files: folder('tiny-bert', { 'onnx/model.onnx': reshape }) }, { format: 'onnx' }));
    expect(e1.message).toBe(
      'broken-reshape loaded, but a short test input ([CLS] a [SEP]) does not run on it: The input tensor cannot be reshaped to the requested shape. Input shape:{1,3,32}, requested shape:{1,3,5}. It is not used; the model loaded before stays.',
    );

    // A tensor of [seq × 1e5, seq × 1e5] floats, asked for at run time.
    const absurd = editedOnnx('tiny-bert', (g, out, pre) => {
      g.initializer.push(int64('huge', [100_000, 100_000]) as onnx.TensorProto);
      g.node.push(
        node('Shape', ['input_ids'], ['ids_shape']),
        node('Mul', ['ids_shape', 'huge'], ['huge_shape']),
        node('ConstantOfShape', ['huge_shape'], ['huge_tensor']),
        node('ReduceSum', ['huge_tensor'], ['huge_sum'], [{ name: 'keepdims', type: 2, i: 0 }]),
        node('Add', [pre, 'huge_sum'], [out]),
      );
    });
    const e2 = await refusal(host.load({ kind: 'files', label: 'absurd', files: folder('tiny-bert', { 'onnx/model.onnx': absurd }) }, { format: 'onnx' }));
    expect(e2.message).toMatch(/^absurd loaded, but a short test input \(\[CLS\] a \[SEP\]\) does not run on it: the graph asks for a tensor too large to allocate\./);

    const out = await host.run(good.id, { examples: [{ textA: 'the cat sat' }] });
    expect(out.attentions).toHaveLength(3);
  });

  it('a classifier whose logits differ from config.json is refused after its test run', async () => {
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const config = { ...JSON.parse(readFileSync(`${hubFolder('tiny-bert-sst2')}/config.json`, 'utf8')), id2label: { 0: 'a', 1: 'b', 2: 'c' } };
    const e = await refusal(host.load({ kind: 'files', label: 'three', files: folder('tiny-bert-sst2', { 'config.json': JSON.stringify(config) }) }, { format: 'onnx' }));
    expect(e.message).toMatch(/^three loaded, but a short test input .* its logits have shape \[1,2\] where config\.json implies \[1,3\]\./);
  });

  it('outputs an export adds beyond logits / last_hidden_state are ignored', async () => {
    // As an export with output_attentions writes them: each layer's Softmax output is a graph
    // output, layer 0's named attentions.0 (the name Head Atlas gives its own, masked maps).
    const m = onnx.ModelProto.decode(readFileSync(`${hubFolder('tiny-bert')}/onnx/model.onnx`));
    const g = m.graph as onnx.GraphProto;
    const nodes = g.node as onnx.NodeProto[];
    for (const softmax of nodes.filter((n) => n.opType === 'Softmax' && n.name.includes('/attention/'))) {
      if (softmax.name.includes('layer.0')) {
        const old = softmax.output[0];
        for (const n of nodes) n.input = n.input.map((i) => (i === old ? 'attentions.0' : i));
        softmax.output = ['attentions.0'];
      }
      g.output.push({ name: softmax.output[0] } as onnx.ValueInfoProto);
    }
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const info = await host.load({ kind: 'files', label: 'extra', files: folder('tiny-bert', { 'onnx/model.onnx': encodeModel(m) }) }, { format: 'onnx' });
    const out = await host.run(info.id, { examples: [{ textA: 'the cat sat' }], masks: { heads: Array.from({ length: 12 }, (_, i) => (i === 0 ? 0 : 1)) } });
    // The attentions.0 returned is the model's own (masked) map, not the export's raw Softmax.
    expect(Math.max(...out.attentions![0].subarray(0, 25))).toBe(0);
  });
});

describe('downloads: web pages, broken bodies, caching and credentials', () => {
  let server: Server;
  let base = '';
  const routes = new Map<string, (res: import('node:http').ServerResponse) => void>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const route = routes.get(new URL(req.url!, 'http://x').pathname);
      if (route) return route(res);
      res.writeHead(404).end();
    });
    server.keepAliveTimeout = 60_000; // as in scripts/fixture-hub.mjs: the client closes idle connections first
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Serves tiny-bert-sst2 as repo `repo` (its safetensors weights), with `override` for some files. */
  function serve(repo: string, override: Record<string, (res: import('node:http').ServerResponse) => void> = {}) {
    for (const file of [...TOKENIZER_FILES, 'model.safetensors']) {
      const path = `${hubFolder('tiny-bert-sst2')}/${file}`;
      routes.set(`/${repo}/resolve/main/${file}`, override[file] ?? ((res) => {
        try {
          const bytes = readFileSync(path);
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.byteLength }).end(bytes);
        } catch {
          res.writeHead(404).end();
        }
      }));
    }
  }

  function memoryCache(): ByteCache & { store: Map<string, Uint8Array> } {
    const store = new Map<string, Uint8Array>();
    return {
      store,
      get: async (url) => store.get(url) ?? null,
      put: async (url, bytes) => void store.set(url, bytes),
      remove: async (url) => void store.delete(url),
      removeAll: async (prefix) => {
        const keys = [...store.keys()].filter((k) => k.startsWith(prefix));
        keys.forEach((k) => store.delete(k));
        return keys.length;
      },
    };
  }

  const page = '<!DOCTYPE html><html><body>Sign in to continue</body></html>';

  it('a web page answered for a file is refused, with text/html or without, and not cached', async () => {
    serve('t/html-type', { 'config.json': (res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page) });
    serve('t/html-body', { 'model.safetensors': (res) => res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(`\n  ${page}`) });
    const cache = memoryCache();
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache });
    for (const [repo, file] of [['t/html-type', 'config.json'], ['t/html-body', 'model.safetensors']]) {
      const e = await refusal(host.load({ kind: 'hub', repo, revision: 'main', host: base }));
      expect(e.message).toBe(`The host answered ${file} with a web page, not the file: check the Hub host and the model id (the host may need a login, or serve an error page).`);
    }
    expect(cache.store.size).toBe(0);
  });

  it('a short body without Content-Length that does not parse is not cached, so the next load downloads it again', async () => {
    const full = readFileSync(`${hubFolder('tiny-bert-sst2')}/model.safetensors`);
    let broken = true;
    serve('t/short', {
      'model.safetensors': (res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); // chunked: no Content-Length
        res.end(broken ? full.subarray(0, full.byteLength >> 1) : full);
      },
    });
    const cache = memoryCache();
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache });
    const spec = { kind: 'hub', repo: 't/short', revision: 'main', host: base } as const;
    const e = await refusal(host.load(spec));
    expect(e.code).toBe('corrupt');
    expect([...cache.store.keys()].some((k) => k.endsWith('model.safetensors'))).toBe(false);
    broken = false;
    const info = await host.load(spec);
    expect(info.head).toBe('sequence-classification');
    expect([...cache.store.keys()].map((k) => k.slice(base.length))).toEqual(
      expect.arrayContaining(['/t/short/resolve/main/config.json', '/t/short/resolve/main/model.safetensors', '/t/short/resolve/main/tokenizer_config.json']),
    );
  });

  it('a cached copy that no longer parses is dropped, so a reload can mend it', async () => {
    serve('t/stale');
    const cache = memoryCache();
    const url = `${base}/t/stale/resolve/main/model.safetensors`;
    cache.store.set(url, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache });
    const spec = { kind: 'hub', repo: 't/stale', revision: 'main', host: base } as const;
    await refusal(host.load(spec));
    expect(cache.store.has(url)).toBe(false);
    await host.load(spec);
    expect(cache.store.get(url)?.byteLength).toBe(readFileSync(`${hubFolder('tiny-bert-sst2')}/model.safetensors`).byteLength);
  });

  it("removeCachedFiles removes one model's files and no other's", async () => {
    serve('t/one');
    serve('t/two');
    const cache = memoryCache();
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache });
    await host.load({ kind: 'hub', repo: 't/one', revision: 'main', host: base });
    await host.load({ kind: 'hub', repo: 't/two', revision: 'main', host: base });
    const before = cache.store.size;
    const removed = await host.removeCachedFiles({ kind: 'hub', repo: 't/one', revision: 'main', host: base });
    expect(removed).toBeGreaterThanOrEqual(3);
    expect(cache.store.size).toBe(before - removed);
    expect([...cache.store.keys()].every((k) => k.includes('/t/two/'))).toBe(true);
    await expect(host.removeCachedFiles({ kind: 'bundled', name: 'micro-bert' })).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('a Hub host with credentials is refused, and no message shows the password', async () => {
    const host = new EngineHost({ ort, backend, appBaseUrl: 'http://unused/', cache: null });
    const withCredentials = base.replace('http://', 'http://user:s3cret@');
    const e = await refusal(host.load({ kind: 'hub', repo: 'head-atlas/tiny-bert', revision: 'main', host: withCredentials }));
    expect(e.message).toMatch(/user name or password/);
    expect(e.message).not.toContain('s3cret');
  });
});
