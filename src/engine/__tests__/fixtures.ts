import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { BertRunner, type DisableMode } from '../bertRunner';
import { diskSource } from '../diskSource';
import { isEngineError, type EngineError } from '../errors';
import { prepareModel, type LoadOptions } from '../loadModel';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
export const hubFolder = (name: string) => `${FIXTURES}hub/head-atlas/${name}`;

export interface ReferenceCase {
  name: string;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  head_mask: number[][] | null;
  layer_mask: number[] | null;
  disable_mode: DisableMode;
  attentions: number[][][][][];
  last_hidden_state?: number[][][];
  logits?: number[][];
  mask_positions?: [number, number][];
  mask_logits?: number[][];
}

export function reference(name: string): { cases: ReferenceCase[] } {
  return JSON.parse(readFileSync(`${FIXTURES}reference/${name}.json`, 'utf8'));
}

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

export async function loadFixture(name: string, options: LoadOptions = {}) {
  const prepared = await prepareModel(diskSource(hubFolder(name), `head-atlas/${name}`), options);
  const runner = await BertRunner.create(ort, prepared, prepared.shape, prepared.head, prepared.tokenizer.padId, ['wasm']);
  return { prepared, runner };
}

/** The unpadded inputs of a reference case. */
export function caseInputs(c: ReferenceCase) {
  return c.input_ids.map((ids, b) => {
    const len = c.attention_mask[b].reduce((a, x) => a + x, 0);
    return { inputIds: ids.slice(0, len), tokenTypeIds: c.token_type_ids[b].slice(0, len) };
  });
}

export function caseMasks(c: ReferenceCase) {
  return { heads: c.head_mask ? c.head_mask.flat() : null, layers: c.layer_mask, mode: c.disable_mode };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The EngineError a promise rejects with; fails the test if it resolves or throws something else. */
export async function refusal(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (e) {
    if (!isEngineError(e)) throw e;
    return e;
  }
  throw new Error('expected the engine to refuse');
}
