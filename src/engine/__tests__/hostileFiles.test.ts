// Crafted model files, as a hostile repo or a broken download would serve them: each is refused
// quickly with a message that names what is wrong (README "What Head Atlas refuses").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_LIMITS, parseBertConfig } from '../bertConfig';
import { diskSource } from '../diskSource';
import { isEngineError, type EngineError } from '../errors';
import { prepareModel } from '../loadModel';
import { bundledSource, checkContainedPath, hubSource, LocalFilesSource, type ModelSource } from '../modelSource';
import { encodeModel } from '../onnxGraph';
import { onnx } from '../onnxProto.js';
import { parsePytorchCheckpoint } from '../pytorchCheckpoint';
import { parseSafetensors } from '../safetensors';
import { toFloat32 } from '../tensorData';
import { hubFolder } from './fixtures';

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<EngineError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    if (!isEngineError(e)) throw e;
    return e;
  }
  throw new Error('expected the engine to refuse');
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const fixtureJson = (name: string, file: string) => JSON.parse(readFileSync(`${hubFolder(name)}/${file}`, 'utf8'));

/** A fixture folder with some files replaced (null: absent). */
function withFiles(name: string, files: Record<string, Uint8Array | null>): ModelSource {
  const disk = diskSource(hubFolder(name));
  return { label: name, fetchFile: (p, o) => (p in files ? Promise.resolve(files[p]) : disk.fetchFile(p, o)) };
}

const withConfig = (name: string, change: Record<string, unknown>, files: Record<string, Uint8Array | null> = {}) =>
  withFiles(name, { 'config.json': json({ ...fixtureJson(name, 'config.json'), ...change }), ...files });

/** A safetensors file from a header and a data section. */
function safetensors(header: unknown, data = new Uint8Array(0)): Uint8Array {
  const head = json(header);
  const out = new Uint8Array(8 + head.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  out.set(data, 8 + head.byteLength);
  return out;
}

/** A zip of stored entries, as torch.save writes it. */
function storedZip(entries: Record<string, Uint8Array>): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length + data.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    local.set(data, 30 + n.length);
    const central = new Uint8Array(46 + n.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    central.set(n, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const cdSize = centrals.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, centrals.length, true);
  ev.setUint16(10, centrals.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, eocd]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const pickleCheckpoint = (pickle: number[], storages: Record<string, Uint8Array> = {}) =>
  storedZip({ 'archive/data.pkl': new Uint8Array(pickle), ...Object.fromEntries(Object.entries(storages).map(([k, v]) => [`archive/data/${k}`, v])) });

const PROTO = [0x80, 2];
const STOP = 0x2e;
const shortString = (s: string) => [0x8c, s.length, ...new TextEncoder().encode(s)];

describe('config.json numbers', () => {
  it('num_hidden_layers 1e5 is refused at once, naming the field', async () => {
    const t0 = performance.now();
    const e = await refusal(prepareModel(withConfig('tiny-bert', { num_hidden_layers: 100_000 })));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.message).toMatch(/num_hidden_layers.*100000.*over the 256/);
  });

  it('a config within the bounds but far beyond the weights is still checked in linear time', async () => {
    // 256 layers, 3 of them present: ~4000 missing tensors are collected without a quadratic scan.
    const t0 = performance.now();
    const e = await refusal(prepareModel(withConfig('tiny-bert', { num_hidden_layers: CONFIG_LIMITS.num_hidden_layers })));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(e.code).toBe('missing-tensors');
    expect(e.message).toMatch(/lacks 4048 tensor/);
  });

  it.each([
    ['num_labels', 1e8, /num_labels.*over the 10000/],
    ['num_labels', 2 ** 32, /num_labels.*over the 10000/],
    ['num_labels', 2.5, /num_labels.*positive integer.*2\.5/],
    ['num_attention_heads', 0, /num_attention_heads.*positive integer/],
    ['hidden_size', '32', /hidden_size.*positive integer.*"32"/],
    ['intermediate_size', 1e9, /intermediate_size.*over/],
    ['vocab_size', 1e12, /vocab_size.*over/],
    ['max_position_embeddings', 1e7, /max_position_embeddings.*over/],
    ['type_vocab_size', 1e6, /type_vocab_size.*over/],
    ['layer_norm_eps', -1, /layer_norm_eps/],
  ])('%s %s is refused with the field named', (field, value, message) => {
    const config = { ...fixtureJson('tiny-bert', 'config.json'), [field]: value };
    expect(() => parseBertConfig(config)).toThrow(message);
  });

  it('an id2label with more labels than the bound is refused', () => {
    const id2label = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [String(i), `L${i}`]));
    expect(() => parseBertConfig({ ...fixtureJson('tiny-bert', 'config.json'), id2label })).toThrow(/id2label.*20000.*over the 10000/);
  });
});

describe('config.json against the weights', () => {
  it('num_labels that differs from the classifier rows is refused (the classifier decides nothing on its own)', async () => {
    for (const format of ['safetensors', 'pytorch'] as const) {
      const e = await refusal(prepareModel(withConfig('tiny-bert-sst2', { id2label: undefined, num_labels: 100_000_000 }), { format }));
      expect(e.message).toMatch(/num_labels/);
      const three = await refusal(prepareModel(withConfig('tiny-bert-sst2', { id2label: { 0: 'a', 1: 'b', 2: 'c' } }), { format }));
      expect(three.message).toMatch(/classifier\.weight has shape \[2,32\] where config\.json \(num_labels \/ id2label 3, hidden_size 32\) implies \[3,32\]/);
    }
  });

  it.each([
    ['max_position_embeddings', 128, /position_embeddings\.weight has shape \[64,32\].*max_position_embeddings 128/],
    ['vocab_size', 500, /word_embeddings\.weight has shape \[409,32\].*vocab_size 500/],
    ['type_vocab_size', 3, /token_type_embeddings\.weight.*type_vocab_size 3/],
  ])('a checkpoint whose table differs from %s is refused, naming the field', async (field, value, message) => {
    const e = await refusal(prepareModel(withConfig('tiny-bert', { [field]: value }), { format: 'safetensors' }));
    expect(e.message).toMatch(message);
  });

  it('an ONNX file whose word or token-type table differs from config.json is refused', async () => {
    const vocab = await refusal(prepareModel(withConfig('tiny-bert', { vocab_size: 500 }), { format: 'onnx' }));
    expect(vocab.message).toMatch(/onnx\/model\.onnx's word embedding table has 409 rows, but config\.json's vocab_size is 500/);
    const types = await refusal(prepareModel(withConfig('tiny-bert', { type_vocab_size: 1 }), { format: 'onnx', onnxFile: 'onnx/model_quantized.onnx' }));
    expect(types.message).toMatch(/token type table has 2 rows, but config\.json's type_vocab_size is 1/);
  });

  it('an ONNX file whose position table is shorter than max_position_embeddings cuts inputs to the table, and says so', async () => {
    const prepared = await prepareModel(withConfig('tiny-bert', { max_position_embeddings: 128 }), { format: 'onnx' });
    expect(prepared.shape.maxPositions).toBe(64);
    expect(prepared.tokenizer.maxLength).toBe(64);
    expect(prepared.notices).toEqual([expect.stringMatching(/position table has 64 rows, fewer than config\.json's max_position_embeddings \(128\): inputs are cut to 64 tokens/)]);
    const long = prepared.tokenizer.encode(Array.from({ length: 100 }, () => 'the').join(' '));
    expect(long.inputIds.length).toBe(64);
  });

  it('tokenizer ids at or past vocab_size are refused', async () => {
    const tokenizer = fixtureJson('tiny-bert', 'tokenizer.json');
    tokenizer.model.vocab.zebra = 409;
    const e = await refusal(prepareModel(withFiles('tiny-bert', { 'tokenizer.json': json(tokenizer) })));
    expect(e.message).toMatch(/token "zebra" with id 409, but the model's vocabulary \(vocab_size in config\.json\) has 409 entries/);
  });
});

describe('paths a model file names stay inside its folder', () => {
  it.each(['../secret', 'a/../../b', '/etc/passwd', 'C:/x', 'a\\..\\b', 'a//b', './a', '%2e%2e/x', 'http://evil/x', ''])('%j is refused', (path) => {
    expect(() => checkContainedPath(path, 'test')).toThrow(/must stay inside its own folder/);
  });

  it('ordinary names pass', () => {
    for (const ok of ['model-00001-of-00002.safetensors', 'onnx/model.onnx_data', 'a.b/c-d_e']) expect(checkContainedPath(ok, 'test')).toBe(ok);
  });

  it('a shard index naming a file outside the folder is refused (disk, as the CLI reads)', async () => {
    const index = fixtureJson('tiny-bert-sharded', 'model.safetensors.index.json');
    for (const key of Object.keys(index.weight_map)) index.weight_map[key] = '../tiny-bert/model.safetensors';
    const e = await refusal(prepareModel(withFiles('tiny-bert-sharded', { 'model.safetensors.index.json': json(index) })));
    expect(e.message).toMatch(/model\.safetensors\.index\.json names the file "\.\.\/tiny-bert\/model\.safetensors".*refused/);
  });

  it('a shard name that is not a string is refused (it was "t.split is not a function")', async () => {
    const index = fixtureJson('tiny-bert-sharded', 'model.safetensors.index.json');
    const [first] = Object.keys(index.weight_map);
    index.weight_map[first] = 5;
    const e = await refusal(prepareModel(withFiles('tiny-bert-sharded', { 'model.safetensors.index.json': json(index) })));
    expect(e.message).toBe('model.safetensors.index.json names the file "5", which is not a file name: a model\'s files must stay inside its own folder, so it is refused.');
  });

  it('an ONNX external-data location outside the folder is refused', async () => {
    const model = onnx.ModelProto.decode(readFileSync(`${hubFolder('tiny-bert')}/onnx/model.onnx`));
    const t = (model.graph!.initializer as onnx.TensorProto[]).find((i) => i.rawData.byteLength > 64)!;
    t.externalData = [{ key: 'location', value: '../../tiny-bert/model.safetensors' }];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    const e = await refusal(prepareModel(withFiles('tiny-bert', { 'onnx/model.onnx': encodeModel(model) }), { format: 'onnx' }));
    expect(e.message).toMatch(/onnx\/model\.onnx \(external data\) names the file "\.\.\/\.\.\/tiny-bert\/model\.safetensors"/);
  });

  it('every source refuses such a path itself: disk, files, Hub and bundled', async () => {
    const disk = diskSource(hubFolder('tiny-bert'));
    expect((await refusal(disk.fetchFile('../tiny-bert-sst2/config.json'))).message).toMatch(/stay inside/);
    const files = new LocalFilesSource('mine', [{ path: 'mine/config.json', blob: new Blob(['{}']) }]);
    expect((await refusal(files.fetchFile('../config.json'))).message).toMatch(/stay inside/);
    const hub = hubSource('a/b', 'main', 'http://127.0.0.1:9', null);
    expect((await refusal(hub.fetchFile('../../c/d/resolve/main/config.json'))).message).toMatch(/stay inside/);
    const bundled = bundledSource('micro-bert', 'http://127.0.0.1:9/');
    expect((await refusal(bundled.fetchFile('../micro-bert-sst2/config.json'))).message).toMatch(/stay inside/);
  });
});

describe('bundled model names', () => {
  it.each(['.', '..', '', 'a/b', '../x', 'micro-bert/..', '.hidden'])('bundled:%s is refused with a message', async (name) => {
    const e = await refusal(() => bundledSource(name, 'http://127.0.0.1:9/'));
    expect(e.message).toMatch(/is not a bundled model/);
  });
});

describe('raw messages become clear ones', () => {
  it('a safetensors entry that is not an object names the tensor', () => {
    expect(() => parseSafetensors(safetensors({ 'classifier.weight': null }))).toThrow(/the entry of tensor classifier\.weight is not an object/);
    expect(() => parseSafetensors(safetensors({ w: { dtype: 'F32', shape: 'x', data_offsets: [0, 0] } }))).toThrow(/tensor w has no valid shape/);
    expect(() => parseSafetensors(safetensors({ w: { dtype: 'F32', shape: [1], data_offsets: null } }))).toThrow(/tensor w has no valid data_offsets/);
    expect(() => parseSafetensors(safetensors([1, 2]))).toThrow(/header is not a JSON object/);
  });

  it('F64 tensors are named as unsupported, not reported missing', async () => {
    const weights = parseSafetensors(readFileSync(`${hubFolder('tiny-bert-sst2')}/model.safetensors`));
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [name, t] of weights) {
      const f32 = toFloat32(t);
      const bytes = new Uint8Array(name === 'classifier.weight' ? Float64Array.from(f32).buffer : f32.slice().buffer);
      header[name] = { dtype: name === 'classifier.weight' ? 'F64' : 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
      chunks.push(bytes);
      offset += bytes.byteLength;
    }
    const data = new Uint8Array(offset);
    chunks.reduce((at, c) => (data.set(c, at), at + c.byteLength), 0);
    const e = await refusal(prepareModel(withFiles('tiny-bert-sst2', { 'model.safetensors': safetensors(header, data) }), { format: 'safetensors' }));
    expect(e.message).toMatch(/Tensor classifier\.weight is stored as F64 \(float64\), which Head Atlas does not read/);
  });

  it('a pickle DAG bomb (each list holding the last twice) fails fast with a message', () => {
    // STACK_GLOBAL on two lists that share their halves: printed, they double at each level.
    const levels = 60;
    const pickle = [...PROTO, 0x5d, 0x94];
    for (let i = 0; i < levels; i++) pickle.push(0x68, i, 0x68, i, 0x86, 0x94); // BINGET i, BINGET i, TUPLE2, MEMOIZE
    pickle.push(0x68, levels, 0x68, levels, 0x93, STOP);
    const t0 = performance.now();
    expect(() => parsePytorchCheckpoint(pickleCheckpoint(pickle))).toThrow(/pytorch_model\.bin could not be read as a state dict: a global name is not a string\.$/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a pickle DAG past 64 levels fails at the depth bound', () => {
    const pickle = [...PROTO, 0x5d, 0x94];
    for (let i = 0; i < 100; i++) pickle.push(0x68, i, 0x68, i, 0x86, 0x94);
    pickle.push(STOP);
    expect(() => parsePytorchCheckpoint(pickleCheckpoint(pickle))).toThrow(/its containers nest more than 64 deep/);
  });

  it('a deeply nested pickle fails with a message, not a stack overflow', () => {
    const pickle = [...PROTO, 0x5d];
    for (let i = 0; i < 200_000; i++) pickle.push(0x85); // TUPLE1, 200k deep
    pickle.push(STOP);
    expect(() => parsePytorchCheckpoint(pickleCheckpoint(pickle))).toThrow(/nest more than 64 deep/);
  });

  it('a pickle whose memo or stack grows without end fails fast', () => {
    const pickle = [...PROTO];
    for (let i = 0; i < 1_100_000; i++) pickle.push(0x4e); // NONE
    pickle.push(STOP);
    expect(() => parsePytorchCheckpoint(pickleCheckpoint(pickle))).toThrow(/stack grows past 1000000 entries/);
  });

  it('a pickled state dict whose tensor arguments are not a tuple names the problem', () => {
    const pickle = [...PROTO, 0x7d, ...shortString('w'), ...shortString('torch._utils'), ...shortString('_rebuild_tensor_v2'), 0x93, 0x4e, 0x52, 0x73, STOP];
    expect(() => parsePytorchCheckpoint(pickleCheckpoint(pickle))).toThrow(/tensor arguments are not a tuple/);
  });

  it('a non-BERT (BPE) tokenizer.json is refused with a message, not a TypeError', async () => {
    const tokenizer = { ...fixtureJson('tiny-bert', 'tokenizer.json'), model: { type: 'BPE', vocab: { a: 0 }, merges: [5] } };
    const e = await refusal(prepareModel(withFiles('tiny-bert', { 'tokenizer.json': json(tokenizer) })));
    expect(e.message).toBe('tokenizer.json has a "BPE" model; BERT\'s tokenizer is WordPiece.');
    const ids = { ...fixtureJson('tiny-bert', 'tokenizer.json') };
    ids.model = { ...ids.model, vocab: { ...ids.model.vocab, the: 'x' } };
    expect((await refusal(prepareModel(withFiles('tiny-bert', { 'tokenizer.json': json(ids) })))).message).toMatch(/gives the token "the" the id "x"/);
  });

  it('a special token that is not a string is refused, naming the field', async () => {
    const e = await refusal(prepareModel(withFiles('tiny-bert', { 'tokenizer_config.json': json({ cls_token: 5 }) })));
    expect(e.message).toBe('tokenizer_config.json\'s "cls_token" is 5, not a token (a string).');
  });
});

describe('Hub host credentials', () => {
  it('a host with a user name or password is refused, and the password is never shown', async () => {
    const e = await refusal(() => hubSource('a/b', 'main', 'http://user:s3cret@127.0.0.1:9', null));
    expect(e.message).toMatch(/user name or password/);
    expect(e.message).not.toContain('s3cret');
    expect(e.message).not.toContain('user:s3cret');
  });
});
