import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBertConfig } from '../bertConfig';
import { diskSource } from '../diskSource';
import { prepareModel } from '../loadModel';
import type { ModelSource } from '../modelSource';
import { parseHubId } from '../modelSource';
import { hubFolder, loadFixture, refusal } from './fixtures';


/** The fixture folder with one file replaced (e.g. truncated), as a broken download would leave it. */
function withFile(name: string, path: string, bytes: Uint8Array): ModelSource {
  const inner = diskSource(hubFolder(name));
  return { label: name, fetchFile: (p, o) => (p === path ? Promise.resolve(bytes) : inner.fetchFile(p, o)) };
}

describe('bad input is refused with a reason', () => {
  it('an unknown repo (no config.json)', async () => {
    const e = await refusal(prepareModel(diskSource(hubFolder('no-such-model'), 'head-atlas/no-such-model')));
    expect(e.code).toBe('not-found');
    expect(e.message).toMatch(/head-atlas\/no-such-model has no config\.json/);
  });

  it('a config that is not BERT', async () => {
    const e = await refusal(prepareModel(diskSource(hubFolder('not-bert'))));
    expect(e.code).toBe('not-bert');
    expect(e.message).toMatch(/model_type "gpt2"/);
    expect(() => parseBertConfig({ model_type: 'bert', hidden_size: 30, num_attention_heads: 4, num_hidden_layers: 2, vocab_size: 9 })).toThrow(/not divisible/);
    expect(() => parseBertConfig('[1,2]')).toThrow(/not a JSON object/);
  });

  it('a fused-attention ONNX file', async () => {
    const e = await refusal(prepareModel(diskSource(hubFolder('tiny-bert-fused')), { format: 'onnx' }));
    expect(e.code).toBe('fused-attention');
    expect(e.message).toMatch(/com\.microsoft Attention/);
    expect(e.message).toMatch(/model\.safetensors or pytorch_model\.bin/);
  });

  it('a checkpoint missing tensors', async () => {
    const e = await refusal(prepareModel(diskSource(hubFolder('tiny-bert-missing'))));
    expect(e.code).toBe('missing-tensors');
    expect(e.message).toMatch(/encoder\.layer\.1\.attention\.self\.key\.weight/);
  });

  it.each([
    ['model.safetensors', 'safetensors'],
    ['pytorch_model.bin', 'pytorch'],
    ['onnx/model.onnx', 'onnx'],
  ] as const)('a truncated %s', async (file, format) => {
    const full = readFileSync(`${hubFolder('tiny-bert')}/${file}`);
    for (const keep of [0.5, 0.97]) {
      const e = await refusal(prepareModel(withFile('tiny-bert', file, new Uint8Array(full.subarray(0, Math.floor(full.length * keep)))), { format }));
      expect(e.code).toBe('corrupt');
      expect(e.message).toMatch(/truncated|download it again/);
    }
  });

  it('a corrupt config.json', async () => {
    const e = await refusal(prepareModel(withFile('tiny-bert', 'config.json', new TextEncoder().encode('{"model_type": "bert",'))));
    expect(e.code).toBe('corrupt');
  });

  it('a text past the maximum length is truncated, with a notice', async () => {
    const { prepared, runner } = await loadFixture('tiny-bert');
    const long = Array.from({ length: 200 }, (_, i) => ['the', 'cat', 'sat', 'on', 'a', 'mat'][i % 6]).join(' ');
    const single = prepared.tokenizer.encode(long);
    expect(single.truncated).toEqual({ from: 202, to: 64 });
    expect(single.inputIds.length).toBe(64);
    expect(single.tokens.at(-1)).toBe('[SEP]');
    const pair = prepared.tokenizer.encode('the cat sat', long);
    expect(pair.inputIds.length).toBe(64);
    expect(pair.tokens.filter((t) => t === '[SEP]').length).toBe(2);
    expect(pair.tokens.slice(0, 5)).toEqual(['[CLS]', 'the', 'cat', 'sat', '[SEP]']);
    expect((await runner.run([single])).seqLen).toBe(64);
    const tooLong = { inputIds: new Array(65).fill(5), tokenTypeIds: new Array(65).fill(0) };
    expect((await refusal(runner.run([tooLong]))).code).toBe('bad-input');
  });

  it('a wrong-sized mask', async () => {
    const { runner } = await loadFixture('tiny-bert');
    const e = await refusal(runner.run([{ inputIds: [2, 3], tokenTypeIds: [0, 0] }], { heads: [1, 0, 1] }));
    expect(e.message).toMatch(/needs 12 values/);
  });

  it('malformed Hub ids', () => {
    expect(parseHubId('textattack/bert-base-uncased-SST-2@refs/pr/2')).toEqual({ repo: 'textattack/bert-base-uncased-SST-2', revision: 'refs/pr/2' });
    expect(parseHubId(' bert-base-uncased ')).toEqual({ repo: 'bert-base-uncased', revision: 'main' });
    for (const bad of ['', 'a/b/c', '<script>/x', '../etc', 'a/b@', 'a b/c']) expect(() => parseHubId(bad)).toThrow(/not a Hub model id|not a valid revision/);
  });
});
