import { describe, expect, it } from 'vitest';
import { diskSource } from '../diskSource';
import { prepareModel } from '../loadModel';
import { fileDigest, FingerprintingSource, identityOf } from '../modelIdentity';
import type { ModelSource } from '../modelSource';
import { hubFolder } from './fixtures';

/** A folder in memory, under any label (a second Hub host, a dropped folder). */
function memorySource(label: string, files: Record<string, Uint8Array>): ModelSource {
  return { label, fetchFile: async (path) => files[path] ?? null };
}

describe('model identity', () => {
  it('hashes a file in 16 MiB pieces, the same however it is held', async () => {
    const big = new Uint8Array(40 * 2 ** 20).map((_, i) => i % 251);
    const copy = new Uint8Array(big);
    expect(await fileDigest(big)).toBe(await fileDigest(copy));
    copy[33 * 2 ** 20] ^= 1; // a byte in the third piece
    expect(await fileDigest(copy)).not.toBe(await fileDigest(big));
    expect(await fileDigest(new Uint8Array(0))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the files read by content: the same bytes under another name are the same model, one changed byte is another', async () => {
    const files = { 'config.json': new TextEncoder().encode('{"a":1}'), 'model.safetensors': new Uint8Array([1, 2, 3]) };
    const read = async (source: ModelSource) => {
      const f = new FingerprintingSource(source);
      await f.fetchFile('config.json');
      await f.fetchFile('model.safetensors');
      await f.fetchFile('missing.json');
      return f.identity();
    };
    const a = await read(memorySource('https://huggingface.co/x/y@main', files));
    expect(a).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(await read(memorySource('http://mirror.example/x/y@main', files))).toBe(a);
    expect(await read(memorySource('x/y', { ...files, 'model.safetensors': new Uint8Array([1, 2, 4]) }))).not.toBe(a);
    // The same bytes under another file name (another weights format) are another model.
    expect(await identityOf([{ path: 'pytorch_model.bin', size: 3, digest: 'd' }])).not.toBe(await identityOf([{ path: 'model.safetensors', size: 3, digest: 'd' }]));
  });

  it('a prepared model carries the identity of its files: one folder in two formats gives two identities, a second load the same one', async () => {
    const folder = hubFolder('tiny-bert');
    const safetensors = await prepareModel(diskSource(folder, 'head-atlas/tiny-bert'), { format: 'safetensors' });
    const again = await prepareModel(diskSource(folder, 'elsewhere/tiny-bert'), { format: 'safetensors' });
    const pytorch = await prepareModel(diskSource(folder, 'head-atlas/tiny-bert'), { format: 'pytorch' });
    expect(safetensors.identity).toBe(again.identity);
    expect(pytorch.identity).not.toBe(safetensors.identity);
    const fineTuned = await prepareModel(diskSource(hubFolder('tiny-bert-sst2'), 'head-atlas/tiny-bert-sst2'));
    expect(fineTuned.identity).not.toBe(safetensors.identity);
  });
});
