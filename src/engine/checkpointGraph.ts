import type { BertHead, BertShape } from './bertConfig';
import { EngineError } from './errors';
import { attentionOutputs, DataType, encodeModel, GraphWriter, maskInputs, valueInfo } from './onnxGraph';
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
  const weights = normalizeCheckpointKeys(rawWeights);
  const head = checkpointHead(weights, shape.head);
  const { layers, heads, hidden, intermediate } = shape;
  const headDim = hidden / heads;

  const missing: string[] = [];
  const required = (key: string, dims: number[]): Float32Array | null => {
    const t = weights.get(key);
    if (!t) {
      missing.push(key);
      return null;
    }
    if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) {
      throw new EngineError('missing-tensors', `Tensor ${key} has shape [${t.shape}] where config.json implies [${dims}].`);
    }
    return toFloat32(t);
  };
  const g = new GraphWriter(17);
  // nn.Linear as an exporter writes it, MatMul(x, Wᵀ) + b, with Wᵀ a Transpose node on PyTorch's
  // [out, in] weight: ONNX Runtime folds it once, natively, at session start, so building the graph
  // copies each weight once and never transposes in JavaScript, and the kernels (and numerics) are
  // those of an exported model on every backend.
  const transposed = (name: string) => g.node('Transpose', [name], `${name}/Transpose`, { perm: [1, 0] });
  const linear = (x: string, key: string, inDim: number, outDim: number, prefix: string): string => {
    const w = required(`${key}.weight`, [outDim, inDim]);
    const b = required(`${key}.bias`, [outDim]);
    if (!w || !b) return '';
    const weight = transposed(g.floats(`${key}.weight`, w, [outDim, inDim]));
    return g.node('Add', [g.node('MatMul', [x, weight], `${prefix}/MatMul`), g.floats(`${key}.bias`, b, [outDim])], `${prefix}/Add`);
  };
  const layerNorm = (x: string, key: string, prefix: string): string => {
    const w = required(`${key}.weight`, [hidden]);
    const b = required(`${key}.bias`, [hidden]);
    if (!w || !b) return '';
    return g.node('LayerNormalization', [x, g.floats(`${key}.weight`, w, [hidden]), g.floats(`${key}.bias`, b, [hidden])], `${prefix}/LayerNormalization`, {
      axis: -1,
      epsilon: { float: shape.layerNormEps },
    });
  };
  const activation = (x: string, prefix: string): string => {
    if (shape.hiddenAct === 'relu') return g.node('Relu', [x], `${prefix}/Relu`);
    if (shape.hiddenAct === 'gelu_new') {
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
  };

  // Embeddings: word + position (rows 0..S-1) + token type, then LayerNorm.
  const wordEmbeddings = required('embeddings.word_embeddings.weight', [shape.vocabSize, hidden]);
  const positionEmbeddings = required('embeddings.position_embeddings.weight', [shape.maxPositions, hidden]);
  const typeEmbeddings = required('embeddings.token_type_embeddings.weight', [shape.typeVocabSize, hidden]);
  let hiddenState = '';
  if (wordEmbeddings && positionEmbeddings && typeEmbeddings) {
    const word = g.node('Gather', [g.floats('embeddings.word_embeddings.weight', wordEmbeddings, [shape.vocabSize, hidden]), 'input_ids'], '/embeddings/word_embeddings/Gather', { axis: 0 });
    const seqLen = g.node('Gather', [g.node('Shape', ['input_ids'], '/embeddings/Shape'), g.ints([1])], '/embeddings/Gather', { axis: 0 });
    const position = g.node('Slice', [g.floats('embeddings.position_embeddings.weight', positionEmbeddings, [shape.maxPositions, hidden]), g.ints([0]), seqLen, g.ints([0])], '/embeddings/position_embeddings/Slice');
    const type = g.node('Gather', [g.floats('embeddings.token_type_embeddings.weight', typeEmbeddings, [shape.typeVocabSize, hidden]), 'token_type_ids'], '/embeddings/token_type_embeddings/Gather', { axis: 0 });
    const sum = g.node('Add', [g.node('Add', [word, type], '/embeddings/Add'), position], '/embeddings/Add_1');
    hiddenState = layerNorm(sum, 'embeddings.LayerNorm', '/embeddings/LayerNorm');
  }
  const { additive, uniform } = g.maskTensors('attention_mask', instrument);
  const scale = g.scalar(Math.fround(Math.sqrt(headDim)));
  const splitShape = g.ints([0, 0, heads, headDim]);
  const mergeShape = g.ints([0, 0, hidden]);

  for (let l = 0; l < layers; l++) {
    const p = `/encoder/layer.${l}`;
    const key = `encoder.layer.${l}`;
    const layerInput = hiddenState;
    const split = (name: string, perm: number[]) =>
      g.node('Transpose', [g.node('Reshape', [linear(layerInput, `${key}.attention.self.${name}`, hidden, hidden, `${p}/attention/self/${name}`), splitShape], `${p}/attention/self/${name}/Reshape`)], `${p}/attention/self/${name}/Transpose`, { perm });
    const q = split('query', [0, 2, 1, 3]);
    const k = split('key', [0, 2, 3, 1]);
    const v = split('value', [0, 2, 1, 3]);
    const scores = g.node('Add', [g.node('Div', [g.node('MatMul', [q, k], `${p}/attention/self/MatMul`), scale], `${p}/attention/self/Div`), additive], `${p}/attention/self/Add`);
    const probs = g.node('Softmax', [scores], `${p}/attention/self/Softmax`, { axis: -1 });
    const used = instrument ? g.maskedAttention(probs, uniform, l, heads, `${p}/attention/self`) : probs;
    const context = g.node('Reshape', [g.node('Transpose', [g.node('MatMul', [used, v], `${p}/attention/self/MatMul_1`)], `${p}/attention/self/Transpose_3`, { perm: [0, 2, 1, 3] }), mergeShape], `${p}/attention/self/Reshape_3`);
    const attnDense = linear(context, `${key}.attention.output.dense`, hidden, hidden, `${p}/attention/output/dense`);
    const attnOut = layerNorm(g.node('Add', [attnDense, layerInput], `${p}/attention/output/Add`), `${key}.attention.output.LayerNorm`, `${p}/attention/output/LayerNorm`);
    const inter = activation(linear(attnOut, `${key}.intermediate.dense`, hidden, intermediate, `${p}/intermediate/dense`), `${p}/intermediate/intermediate_act_fn`);
    const ffn = linear(inter, `${key}.output.dense`, intermediate, hidden, `${p}/output/dense`);
    const layerOut = layerNorm(g.node('Add', [ffn, attnOut], `${p}/output/Add`), `${key}.output.LayerNorm`, `${p}/output/LayerNorm`);
    hiddenState = instrument ? g.maskedLayer(layerInput, layerOut, l, p) : layerOut;
  }

  const outputs = instrument ? attentionOutputs(layers) : [];
  if (head === 'base') {
    g.node('Identity', [hiddenState], '/last_hidden_state/Identity', {}, ['last_hidden_state']);
    outputs.push(valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', hidden]));
  } else if (head === 'sequence-classification') {
    const clsWeight = weights.get('classifier.weight');
    const numLabels = clsWeight?.shape[0] ?? shape.numLabels;
    const first = g.node('Gather', [hiddenState, g.ints([0], [])], '/pooler/Gather', { axis: 1 });
    const pooled = g.node('Tanh', [linear(first, 'pooler.dense', hidden, hidden, '/pooler/dense')], '/pooler/activation/Tanh');
    const logits = linear(pooled, 'classifier', hidden, numLabels, '/classifier');
    g.node('Identity', [logits], '/logits/Identity', {}, ['logits']);
    outputs.push(valueInfo('logits', DataType.FLOAT, ['batch_size', numLabels]));
  } else {
    const transformed = layerNorm(activation(linear(hiddenState, 'cls.predictions.transform.dense', hidden, hidden, '/cls/predictions/transform/dense'), '/cls/predictions/transform/transform_act_fn'), 'cls.predictions.transform.LayerNorm', '/cls/predictions/transform/LayerNorm');
    // The decoder is tied to the word embeddings; checkpoints usually omit it.
    const bias = required('cls.predictions.bias', [shape.vocabSize]);
    const decoderName = weights.has('cls.predictions.decoder.weight') ? 'cls.predictions.decoder.weight' : 'embeddings.word_embeddings.weight';
    const decoder = decoderName === 'cls.predictions.decoder.weight' ? required(decoderName, [shape.vocabSize, hidden]) : wordEmbeddings;
    if (decoder && bias) {
      if (decoderName !== 'embeddings.word_embeddings.weight') g.floats(decoderName, decoder, [shape.vocabSize, hidden]);
      const product = g.node('MatMul', [transformed, transposed(decoderName)], '/cls/predictions/decoder/MatMul');
      g.node('Add', [product, g.floats('cls.predictions.bias', bias, [shape.vocabSize])], '/cls/predictions/decoder/Add', {}, ['logits']);
    }
    outputs.push(valueInfo('logits', DataType.FLOAT, ['batch_size', 'sequence_length', shape.vocabSize]));
  }

  if (missing.length) {
    const shown = missing.slice(0, 4).join(', ');
    throw new EngineError('missing-tensors', `The checkpoint lacks ${missing.length} tensor(s) this config needs: ${shown}${missing.length > 4 ? ', …' : ''}. Is it a complete BERT checkpoint for this config.json?`);
  }

  const modelBytes = encodeModel({
    irVersion: 8,
    producerName: 'head-atlas',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'bert',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
        valueInfo('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']),
        valueInfo('token_type_ids', DataType.INT64, ['batch_size', 'sequence_length']),
        ...(instrument ? maskInputs(layers, heads) : []),
      ],
      output: outputs,
    },
  });
  return { modelBytes, head, outputNames: outputs.map((o) => o.name!) };
}
