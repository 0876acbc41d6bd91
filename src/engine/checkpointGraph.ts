import type { BertHead, BertShape } from './bertConfig';
import { EngineError } from './errors';
import { attentionOutputs, DataType, encodeModel, GraphWriter, maskInputs, valueInfo } from './onnxGraph';
import type { onnx } from './onnxProto.js';
import { toFloat32, type StoredTensor } from './tensorData';

/** Hugging Face key names, whatever the checkpoint's prefix (`bert.`) or LayerNorm naming (`gamma`/`beta`). */
export function normalizeCheckpointKeys(tensors: Map<string, StoredTensor>): Map<string, StoredTensor> {
  const out = new Map<string, StoredTensor>();
  for (const [key, t] of tensors) {
    let k = key.startsWith('bert.') ? key.slice(5) : key;
    k = k.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
    out.set(k, t);
  }
  return out;
}

/** Which task head the weights carry: what they hold decides, the config only names it. */
export function checkpointHead(weights: Map<string, StoredTensor>, declared: BertHead): BertHead {
  if (weights.has('classifier.weight')) return 'sequence-classification';
  if (weights.has('cls.predictions.bias')) return 'masked-lm';
  if (declared !== 'base') {
    const missing = declared === 'sequence-classification' ? 'classifier.weight' : 'cls.predictions.bias';
    throw new EngineError('missing-tensors', `config.json declares a ${declared} model, but the checkpoint has no ${missing}.`);
  }
  return 'base';
}

export interface BuiltGraph {
  modelBytes: Uint8Array;
  head: BertHead;
  outputNames: string[];
}

/** A model cut into per-layer graphs, so a run can start at any layer from hidden states kept from an earlier run. */
export interface StageGraphs {
  /** input_ids, token_type_ids → hidden: the embeddings. */
  embeddings: Uint8Array;
  /** hidden_in, attention_mask and the three mask inputs → hidden_out and attentions.l: one per layer. */
  layers: Uint8Array[];
  /** hidden → logits: the pooler and classifier (sequence-classification models only). */
  classifier: Uint8Array;
}

/** A checkpoint's weights, checked against the config as each is used; missing ones are collected and reported together. */
class CheckedWeights {
  /** A set, so a config with many layers and no weights is checked in linear time. */
  readonly missing = new Set<string>();
  private readonly converted = new Map<string, Float32Array>();

  constructor(readonly tensors: Map<string, StoredTensor>) {}

  /** `fields` names the config.json fields the shape follows from, for the message when it differs. */
  required(key: string, dims: number[], fields = ''): Float32Array | null {
    const t = this.tensors.get(key);
    if (!t) {
      this.missing.add(key);
      return null;
    }
    if (t.dtype === 'F64') {
      throw new EngineError('corrupt', `Tensor ${key} is stored as F64 (float64), which Head Atlas does not read: save the checkpoint in float32, float16 or bfloat16 (in PyTorch, model.float() before saving).`);
    }
    if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) {
      throw new EngineError('missing-tensors', `Tensor ${key} has shape [${t.shape}] where config.json${fields ? ` (${fields})` : ''} implies [${dims}]: the weights and the config do not belong together.`);
    }
    // Converted once even when several stage graphs use it (float16 checkpoints widen here).
    let data = this.converted.get(key);
    if (!data) this.converted.set(key, (data = toFloat32(t)));
    return data;
  }

  throwIfMissing(): void {
    if (!this.missing.size) return;
    const missing = [...this.missing];
    const shown = missing.slice(0, 4).join(', ');
    throw new EngineError('missing-tensors', `The checkpoint lacks ${missing.length} tensor(s) this config needs: ${shown}${missing.length > 4 ? ', …' : ''}. Is it a complete BERT checkpoint for this config.json?`);
  }
}

/**
 * The parts of a Hugging Face BERT as ONNX nodes, written into one GraphWriter: the same ops,
 * order and names as Hugging Face's exporter produces, so the whole graph and its per-layer
 * stages compute the same numbers.
 */
class BertGraphParts {
  constructor(
    private readonly g: GraphWriter,
    private readonly w: CheckedWeights,
    private readonly shape: BertShape,
  ) {}

  // nn.Linear as an exporter writes it, MatMul(x, Wᵀ) + b, with Wᵀ a Transpose node on PyTorch's
  // [out, in] weight: ONNX Runtime folds it once, natively, at session start, so building the graph
  // copies each weight once and never transposes in JavaScript, and the kernels (and numerics) are
  // those of an exported model on every backend.
  private transposed(name: string): string {
    return this.g.node('Transpose', [name], `${name}/Transpose`, { perm: [1, 0] });
  }

  private linear(x: string, key: string, inDim: number, outDim: number, prefix: string, fields = 'hidden_size, intermediate_size'): string {
    const w = this.w.required(`${key}.weight`, [outDim, inDim], fields);
    const b = this.w.required(`${key}.bias`, [outDim], fields);
    if (!w || !b) return '';
    const weight = this.transposed(this.g.floats(`${key}.weight`, w, [outDim, inDim]));
    return this.g.node('Add', [this.g.node('MatMul', [x, weight], `${prefix}/MatMul`), this.g.floats(`${key}.bias`, b, [outDim])], `${prefix}/Add`);
  }

  private layerNorm(x: string, key: string, prefix: string): string {
    const { hidden } = this.shape;
    const w = this.w.required(`${key}.weight`, [hidden], `hidden_size ${hidden}`);
    const b = this.w.required(`${key}.bias`, [hidden], `hidden_size ${hidden}`);
    if (!w || !b) return '';
    return this.g.node('LayerNormalization', [x, this.g.floats(`${key}.weight`, w, [hidden]), this.g.floats(`${key}.bias`, b, [hidden])], `${prefix}/LayerNormalization`, {
      axis: -1,
      epsilon: { float: this.shape.layerNormEps },
    });
  }

  private activation(x: string, prefix: string): string {
    const g = this.g;
    if (this.shape.hiddenAct === 'relu') return g.node('Relu', [x], `${prefix}/Relu`);
    if (this.shape.hiddenAct === 'gelu_new') {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const cube = g.node('Mul', [g.node('Mul', [x, x], `${prefix}/Mul_sq`), x], `${prefix}/Mul_cube`);
      const inner = g.node('Add', [x, g.node('Mul', [cube, g.scalar(0.044715)], `${prefix}/Mul_c`)], `${prefix}/Add_inner`);
      const t = g.node('Tanh', [g.node('Mul', [inner, g.scalar(Math.sqrt(2 / Math.PI))], `${prefix}/Mul_s`)], `${prefix}/Tanh`);
      const onePlus = g.node('Add', [t, g.scalar(1)], `${prefix}/Add_1`);
      return g.node('Mul', [g.node('Mul', [x, onePlus], `${prefix}/Mul_x`), g.scalar(0.5)], `${prefix}/Mul_half`);
    }
    // Exact GELU as torch exports it: x * (erf(x / sqrt 2) + 1) * 0.5.
    const erf = g.node('Erf', [g.node('Div', [x, g.scalar(1.4142135381698608)], `${prefix}/Div`)], `${prefix}/Erf`);
    const onePlus = g.node('Add', [erf, g.scalar(1)], `${prefix}/Add`);
    return g.node('Mul', [g.node('Mul', [x, onePlus], `${prefix}/Mul`), g.scalar(0.5)], `${prefix}/Mul_1`);
  }

  /** Word + position (rows 0..S-1) + token type embeddings, then LayerNorm. */
  embeddings(): string {
    const g = this.g;
    const { vocabSize, maxPositions, typeVocabSize, hidden } = this.shape;
    const wordEmbeddings = this.w.required('embeddings.word_embeddings.weight', [vocabSize, hidden], `vocab_size ${vocabSize}, hidden_size ${hidden}`);
    const positionEmbeddings = this.w.required('embeddings.position_embeddings.weight', [maxPositions, hidden], `max_position_embeddings ${maxPositions}, hidden_size ${hidden}`);
    const typeEmbeddings = this.w.required('embeddings.token_type_embeddings.weight', [typeVocabSize, hidden], `type_vocab_size ${typeVocabSize}, hidden_size ${hidden}`);
    if (!wordEmbeddings || !positionEmbeddings || !typeEmbeddings) return '';
    const word = g.node('Gather', [g.floats('embeddings.word_embeddings.weight', wordEmbeddings, [vocabSize, hidden]), 'input_ids'], '/embeddings/word_embeddings/Gather', { axis: 0 });
    const seqLen = g.node('Gather', [g.node('Shape', ['input_ids'], '/embeddings/Shape'), g.ints([1])], '/embeddings/Gather', { axis: 0 });
    const position = g.node('Slice', [g.floats('embeddings.position_embeddings.weight', positionEmbeddings, [maxPositions, hidden]), g.ints([0]), seqLen, g.ints([0])], '/embeddings/position_embeddings/Slice');
    const type = g.node('Gather', [g.floats('embeddings.token_type_embeddings.weight', typeEmbeddings, [typeVocabSize, hidden]), 'token_type_ids'], '/embeddings/token_type_embeddings/Gather', { axis: 0 });
    const sum = g.node('Add', [g.node('Add', [word, type], '/embeddings/Add'), position], '/embeddings/Add_1');
    return this.layerNorm(sum, 'embeddings.LayerNorm', '/embeddings/LayerNorm');
  }

  /** Encoder layer `l` on `layerInput`; with `instrument`, its heads and the layer itself obey the mask inputs. */
  layer(l: number, layerInput: string, masks: { additive: string; uniform: string }, instrument: boolean, outName?: string): string {
    const g = this.g;
    const { heads, hidden, intermediate } = this.shape;
    const headDim = hidden / heads;
    const p = `/encoder/layer.${l}`;
    const key = `encoder.layer.${l}`;
    const scale = g.scalar(Math.fround(Math.sqrt(headDim)));
    const splitShape = g.ints([0, 0, heads, headDim]);
    const mergeShape = g.ints([0, 0, hidden]);
    const split = (name: string, perm: number[]) =>
      g.node('Transpose', [g.node('Reshape', [this.linear(layerInput, `${key}.attention.self.${name}`, hidden, hidden, `${p}/attention/self/${name}`), splitShape], `${p}/attention/self/${name}/Reshape`)], `${p}/attention/self/${name}/Transpose`, { perm });
    const q = split('query', [0, 2, 1, 3]);
    const k = split('key', [0, 2, 3, 1]);
    const v = split('value', [0, 2, 1, 3]);
    const scores = g.node('Add', [g.node('Div', [g.node('MatMul', [q, k], `${p}/attention/self/MatMul`), scale], `${p}/attention/self/Div`), masks.additive], `${p}/attention/self/Add`);
    const probs = g.node('Softmax', [scores], `${p}/attention/self/Softmax`, { axis: -1 });
    const used = instrument ? g.maskedAttention(probs, masks.uniform, l, heads, `${p}/attention/self`) : probs;
    const context = g.node('Reshape', [g.node('Transpose', [g.node('MatMul', [used, v], `${p}/attention/self/MatMul_1`)], `${p}/attention/self/Transpose_3`, { perm: [0, 2, 1, 3] }), mergeShape], `${p}/attention/self/Reshape_3`);
    const attnDense = this.linear(context, `${key}.attention.output.dense`, hidden, hidden, `${p}/attention/output/dense`);
    const attnOut = this.layerNorm(g.node('Add', [attnDense, layerInput], `${p}/attention/output/Add`), `${key}.attention.output.LayerNorm`, `${p}/attention/output/LayerNorm`);
    const inter = this.activation(this.linear(attnOut, `${key}.intermediate.dense`, hidden, intermediate, `${p}/intermediate/dense`), `${p}/intermediate/intermediate_act_fn`);
    const ffn = this.linear(inter, `${key}.output.dense`, intermediate, hidden, `${p}/output/dense`);
    const layerOut = this.layerNorm(g.node('Add', [ffn, attnOut], `${p}/output/Add`), `${key}.output.LayerNorm`, `${p}/output/LayerNorm`);
    if (instrument) return g.maskedLayer(layerInput, layerOut, l, p, outName);
    return outName ? g.node('Identity', [layerOut], `${p}/Identity`, {}, [outName]) : layerOut;
  }

  /** The pooler and classifier on the last hidden state, writing `logits`; returns the number of labels. */
  classifier(hiddenState: string): number {
    const g = this.g;
    const numLabels = this.shape.numLabels;
    const first = g.node('Gather', [hiddenState, g.ints([0], [])], '/pooler/Gather', { axis: 1 });
    const pooled = g.node('Tanh', [this.linear(first, 'pooler.dense', this.shape.hidden, this.shape.hidden, '/pooler/dense')], '/pooler/activation/Tanh');
    const logits = this.linear(pooled, 'classifier', this.shape.hidden, numLabels, '/classifier', `num_labels / id2label ${numLabels}, hidden_size ${this.shape.hidden}`);
    g.node('Identity', [logits], '/logits/Identity', {}, ['logits']);
    return numLabels;
  }

  /** The masked-LM head on the last hidden state, writing `logits`. */
  maskedLm(hiddenState: string): void {
    const g = this.g;
    const { hidden, vocabSize } = this.shape;
    const transformed = this.layerNorm(this.activation(this.linear(hiddenState, 'cls.predictions.transform.dense', hidden, hidden, '/cls/predictions/transform/dense'), '/cls/predictions/transform/transform_act_fn'), 'cls.predictions.transform.LayerNorm', '/cls/predictions/transform/LayerNorm');
    // The decoder is tied to the word embeddings; checkpoints usually omit it.
    const bias = this.w.required('cls.predictions.bias', [vocabSize], `vocab_size ${vocabSize}`);
    const untied = this.w.tensors.has('cls.predictions.decoder.weight');
    const decoderName = untied ? 'cls.predictions.decoder.weight' : 'embeddings.word_embeddings.weight';
    const decoder = this.w.required(decoderName, [vocabSize, hidden], `vocab_size ${vocabSize}, hidden_size ${hidden}`);
    if (decoder && bias) {
      if (untied) g.floats(decoderName, decoder, [vocabSize, hidden]);
      const product = g.node('MatMul', [transformed, this.transposed(decoderName)], '/cls/predictions/decoder/MatMul');
      g.node('Add', [product, g.floats('cls.predictions.bias', bias, [vocabSize])], '/cls/predictions/decoder/Add', {}, ['logits']);
    }
  }
}

function encodeGraph(g: GraphWriter, name: string, input: onnx.IValueInfoProto[], output: onnx.IValueInfoProto[]): Uint8Array {
  return encodeModel({
    irVersion: 8,
    producerName: 'head-atlas',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name, node: g.nodes, initializer: g.initializers, input, output },
  });
}

const idInputs = () => [
  valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
  valueInfo('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']),
  valueInfo('token_type_ids', DataType.INT64, ['batch_size', 'sequence_length']),
];

/**
 * Builds the ONNX graph of a Hugging Face BERT from its config and weights, with the same ops,
 * order and names as Hugging Face's exporter produces, plus the attention outputs and mask inputs.
 */
export function buildCheckpointGraph(
  shape: BertShape,
  rawWeights: Map<string, StoredTensor>,
  /** false builds the plain graph an exporter would write (no mask inputs, no attention outputs): the baseline for benchmarks and patching. */
  instrument = true,
): BuiltGraph {
  const weights = new CheckedWeights(normalizeCheckpointKeys(rawWeights));
  const head = checkpointHead(weights.tensors, shape.head);
  const g = new GraphWriter(17);
  const parts = new BertGraphParts(g, weights, shape);

  let hiddenState = parts.embeddings();
  const masks = g.maskTensors('attention_mask', instrument);
  for (let l = 0; l < shape.layers; l++) hiddenState = parts.layer(l, hiddenState, masks, instrument);

  const outputs = instrument ? attentionOutputs(shape.layers) : [];
  if (head === 'base') {
    g.node('Identity', [hiddenState], '/last_hidden_state/Identity', {}, ['last_hidden_state']);
    outputs.push(valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', shape.hidden]));
  } else if (head === 'sequence-classification') {
    const numLabels = parts.classifier(hiddenState);
    outputs.push(valueInfo('logits', DataType.FLOAT, ['batch_size', numLabels]));
  } else {
    parts.maskedLm(hiddenState);
    outputs.push(valueInfo('logits', DataType.FLOAT, ['batch_size', 'sequence_length', shape.vocabSize]));
  }
  weights.throwIfMissing();

  const modelBytes = encodeGraph(g, 'bert', [...idInputs(), ...(instrument ? maskInputs(shape.layers, shape.heads) : [])], outputs);
  return { modelBytes, head, outputNames: outputs.map((o) => o.name!) };
}

/**
 * The same model as buildCheckpointGraph's, cut at every layer boundary: run in sequence, the
 * stages compute what the whole graph does, and a run whose masks leave layers below l alone can
 * start at stage l from hidden states kept from an unmasked run. Sequence-classification only.
 */
export function buildStageGraphs(shape: BertShape, rawWeights: Map<string, StoredTensor>): StageGraphs {
  const weights = new CheckedWeights(normalizeCheckpointKeys(rawWeights));
  const head = checkpointHead(weights.tensors, shape.head);
  if (head !== 'sequence-classification') throw new EngineError('bad-input', 'Only a classification model is cut into stages: the stages serve task scoring.');
  const hiddenInfo = (name: string) => valueInfo(name, DataType.FLOAT, ['batch_size', 'sequence_length', shape.hidden]);

  const eg = new GraphWriter(17);
  const hidden0 = new BertGraphParts(eg, weights, shape).embeddings();
  eg.node('Identity', [hidden0], '/embeddings/Identity', {}, ['hidden']);
  const embeddingInputs = idInputs().filter((v) => v.name !== 'attention_mask');

  const layerGraphs: { g: GraphWriter; l: number }[] = [];
  for (let l = 0; l < shape.layers; l++) {
    const g = new GraphWriter(17);
    new BertGraphParts(g, weights, shape).layer(l, 'hidden_in', g.maskTensors('attention_mask', true), true, 'hidden_out');
    layerGraphs.push({ g, l });
  }

  const cg = new GraphWriter(17);
  const numLabels = new BertGraphParts(cg, weights, shape).classifier('hidden');
  weights.throwIfMissing();

  return {
    embeddings: encodeGraph(eg, 'bert_embeddings', embeddingInputs, [hiddenInfo('hidden')]),
    layers: layerGraphs.map(({ g, l }) =>
      encodeGraph(
        g,
        `bert_layer_${l}`,
        [hiddenInfo('hidden_in'), valueInfo('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']), ...maskInputs(shape.layers, shape.heads)],
        [hiddenInfo('hidden_out'), attentionOutputs(shape.layers)[l]],
      ),
    ),
    classifier: encodeGraph(cg, 'bert_classifier', [hiddenInfo('hidden')], [valueInfo('logits', DataType.FLOAT, ['batch_size', numLabels])]),
  };
}
