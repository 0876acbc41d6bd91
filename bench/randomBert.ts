// A BERT-base-shaped model (12 layers, 12 heads, 768 hidden) with seeded random weights and a
// small vocabulary, built in memory for benchmarks: nothing is downloaded or committed.
import type { BertShape } from '../src/engine/bertConfig';
import type { StoredTensor } from '../src/engine/tensorData';

export const BENCH_SHAPE: BertShape = {
  layers: 12,
  heads: 12,
  hidden: 768,
  intermediate: 3072,
  vocabSize: 1000,
  maxPositions: 512,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
  hiddenAct: 'gelu',
  head: 'sequence-classification',
  numLabels: 2,
  labels: null,
  architecture: 'BertForSequenceClassification',
};

/** Normal(0, std) samples from a fixed seed (mulberry32 + Box-Muller). */
function randomFloats(n: number, seed: number, std: number, mean = 0): Float32Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform() + 1e-12));
    const theta = 2 * Math.PI * uniform();
    out[i] = mean + std * r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(theta);
  }
  return out;
}

export function randomBertWeights(shape: BertShape = BENCH_SHAPE, seed = 1234): Map<string, StoredTensor> {
  const weights = new Map<string, StoredTensor>();
  let k = 0;
  const add = (name: string, dims: number[], std = 0.02, mean = 0) => {
    const data = randomFloats(dims.reduce((x, y) => x * y, 1), seed + k++, std, mean);
    weights.set(name, { dtype: 'F32', shape: dims, bytes: new Uint8Array(data.buffer) });
  };
  const { hidden: H, intermediate: I } = shape;
  const norm = (p: string) => {
    add(`${p}.weight`, [H], 0.02, 1);
    add(`${p}.bias`, [H]);
  };
  const linear = (p: string, out: number, inp: number) => {
    add(`${p}.weight`, [out, inp]);
    add(`${p}.bias`, [out]);
  };
  add('bert.embeddings.word_embeddings.weight', [shape.vocabSize, H]);
  add('bert.embeddings.position_embeddings.weight', [shape.maxPositions, H]);
  add('bert.embeddings.token_type_embeddings.weight', [shape.typeVocabSize, H]);
  norm('bert.embeddings.LayerNorm');
  for (let l = 0; l < shape.layers; l++) {
    const p = `bert.encoder.layer.${l}`;
    for (const m of ['query', 'key', 'value']) linear(`${p}.attention.self.${m}`, H, H);
    linear(`${p}.attention.output.dense`, H, H);
    norm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, I, H);
    linear(`${p}.output.dense`, H, I);
    norm(`${p}.output.LayerNorm`);
  }
  linear('bert.pooler.dense', H, H);
  linear('classifier', shape.numLabels, H);
  return weights;
}

/** A batch of one example of `length` tokens ([CLS] … [SEP] with ids from the small vocabulary). */
export function benchInput(length: number) {
  const inputIds = Array.from({ length }, (_, i) => (i === 0 ? 2 : i === length - 1 ? 3 : 5 + ((i * 37) % 990)));
  return [{ inputIds, tokenTypeIds: new Array(length).fill(0) }];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The weights as a safetensors file (header JSON, then the float32 data), so they load as a checkpoint would. */
export function safetensorsBytes(weights: Map<string, StoredTensor>): Uint8Array {
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const [name, t] of weights) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const t of weights.values()) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

/** config.json for a shape, as a Hugging Face BertForSequenceClassification would have it. */
export function bertConfigJson(shape: BertShape): string {
  return JSON.stringify({
    model_type: 'bert',
    architectures: ['BertForSequenceClassification'],
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate,
    vocab_size: shape.vocabSize,
    max_position_embeddings: shape.maxPositions,
    type_vocab_size: shape.typeVocabSize,
    layer_norm_eps: shape.layerNormEps,
    hidden_act: shape.hiddenAct,
    num_labels: shape.numLabels,
  });
}
