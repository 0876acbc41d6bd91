import type { BertShape } from './bertConfig';
import { EngineError } from './errors';
import { attentionOutputs, DataType, encodeModel, GraphWriter, maskInputs } from './onnxGraph';
import { onnx } from './onnxProto.js';

const FUSED_OPS = new Set(['Attention', 'MultiHeadAttention', 'PackedAttention', 'PackedMultiHeadAttention', 'GroupQueryAttention']);

interface Node {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
}
interface DecodedGraph {
  node: Node[];
  initializer: { name: string; dims: unknown[]; dataType: number; dataLocation: number; externalData: { key: string; value: string }[]; rawData: Uint8Array }[];
  input: { name: string }[];
  output: { name: string }[];
}

export interface PatchedGraph {
  modelBytes: Uint8Array;
  /** The graph's own outputs (logits or hidden states), before the attentions. */
  modelOutputs: string[];
  /** Rows of the embedding tables, where the graph's initializers show them (null where not found). */
  tables: EmbeddingTables;
  /** The last dimension of the `logits` output where the graph fixes it (the number of labels of a classifier). */
  logitsWidth: number | null;
}

export interface EmbeddingTables {
  word: number | null;
  position: number | null;
  tokenType: number | null;
}

/** The graph outputs Head Atlas reads; any other output of an export is dropped (the attentions are added). */
const KNOWN_OUTPUTS = new Set(['logits', 'last_hidden_state']);

/**
 * Rows of the word, position and token-type embedding tables: the initializer each embedding
 * Gather reads, through any dequantising or casting node in between (quantized and float16 exports).
 */
function embeddingTables(graph: DecodedGraph): EmbeddingTables {
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  const producer = new Map<string, Node>();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);
  const rows = (gatherName: string): number | null => {
    // Exports of task models prefix the module path (/bert/embeddings/…).
    const gather = graph.node.find((n) => n.opType === 'Gather' && n.name.endsWith(gatherName));
    let tensor = gather?.input[0];
    for (let hops = 0; tensor !== undefined && hops < 4; hops++) {
      const init = initializers.get(tensor);
      if (init) return init.dims.length === 2 ? Number(init.dims[0]) : null;
      const from = producer.get(tensor);
      if (!from || !['DequantizeLinear', 'Cast', 'Identity'].includes(from.opType)) return null;
      tensor = from.input[0];
    }
    return null;
  };
  return {
    word: rows('/embeddings/word_embeddings/Gather'),
    position: rows('/embeddings/position_embeddings/Gather'),
    tokenType: rows('/embeddings/token_type_embeddings/Gather'),
  };
}

function decodeModel(bytes: Uint8Array, fileName: string): onnx.ModelProto {
  try {
    const model = onnx.ModelProto.decode(bytes);
    if (!model.graph?.node?.length) throw new Error('no graph');
    return model;
  } catch (e) {
    throw new EngineError('corrupt', `${fileName} is not a readable ONNX model (${(e as Error).message}). It may be truncated: download it again.`);
  }
}

function layerOf(name: string): number | null {
  const m = /\/layer\.(\d+)\//.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Patches an exported BERT ONNX graph (Hugging Face / optimum / transformers.js layout): each
 * layer's attention Softmax gets the head-mask ops after it and becomes a graph output, and each
 * layer's output gets the layer mask. Fused-attention graphs are refused: they have no map to tap.
 */
export function patchExportedGraph(
  bytes: Uint8Array,
  shape: BertShape,
  fileName = 'model.onnx',
  externalFiles: ReadonlyMap<string, Uint8Array> = new Map(),
): PatchedGraph {
  const model = decodeModel(bytes, fileName);
  // Decoded messages have every field set (protobufjs fills defaults), so these narrow types hold.
  const graph = model.graph as unknown as DecodedGraph;
  const fused = graph.node.find((n) => n.domain === 'com.microsoft' && FUSED_OPS.has(n.opType));
  if (fused) {
    throw new EngineError(
      'fused-attention',
      `${fileName} computes attention in one fused kernel (com.microsoft ${fused.opType}), so its attention maps cannot be read. ` +
        'Use an export without ONNX Runtime transformer optimisations (for example onnx/model.onnx or onnx/model_quantized.onnx from transformers.js), ' +
        'or load the checkpoint (model.safetensors or pytorch_model.bin) instead.',
    );
  }
  const opsetEntry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = Number(opsetEntry?.version ?? 0);
  if (opset < 11) throw new EngineError('unsupported-graph', `${fileName} uses ONNX opset ${opset}; opset 11 or newer is needed.`);
  // Outputs other than logits and hidden states (pooler outputs, hidden states of every layer,
  // an export's own attentions) are not read: dropping them keeps layers' boundaries clear and
  // no name collides with the attention outputs added below.
  const logitsOutput = graph.output.find((o) => o.name === 'logits') as onnx.IValueInfoProto | undefined;
  const logitsDims = logitsOutput?.type?.tensorType?.shape?.dim ?? [];
  const lastDim = logitsDims.at(-1);
  const logitsWidth = lastDim?.dimValue !== undefined && lastDim.dimValue !== null && Number(lastDim.dimValue) > 0 && !lastDim.dimParam ? Number(lastDim.dimValue) : null;
  graph.output = graph.output.filter((o) => KNOWN_OUTPUTS.has(o.name));
  if (!graph.output.length) {
    throw new EngineError('unsupported-graph', `${fileName} has neither a logits nor a last_hidden_state output, so it is not a BERT export Head Atlas can read.`);
  }
  const tables = embeddingTables(graph);
  const inputNames = new Set(graph.input.map((i) => i.name));
  if (!inputNames.has('input_ids') || !inputNames.has('attention_mask')) {
    throw new EngineError('unsupported-graph', `${fileName} has no input_ids / attention_mask inputs, so it is not a BERT export Head Atlas can read.`);
  }

  const softmaxes = graph.node
    .map((node, index) => ({ node, index, layer: layerOf(node.name) }))
    .filter((s) => s.node.opType === 'Softmax' && s.layer !== null && s.node.name.includes('/attention/'));
  softmaxes.sort((a, b) => a.layer! - b.layer!);
  if (softmaxes.length !== shape.layers || softmaxes.some((s, i) => s.layer !== i)) {
    throw new EngineError(
      'unsupported-graph',
      `${fileName} has ${softmaxes.length} attention Softmax nodes named by layer, but config.json has ${shape.layers} layers. ` +
        'Head Atlas needs an export whose node names follow the module path (/encoder/layer.N/attention/self/Softmax), as Hugging Face exports do.',
    );
  }

  // float16 exports (transformers.js's model_fp16.onnx) run attention in float16: the masks are
  // applied in float32 between two Casts, which are exact for values float16 can hold.
  const fp16 = graph.initializer.some((t) => t.dataType === DataType.FLOAT16 && t.dims.length === 2);
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  const consumers = new Map<string, Node[]>();
  for (const node of graph.node) for (const input of node.input) {
    if (!consumers.has(input)) consumers.set(input, []);
    consumers.get(input)!.push(node);
  }
  const rewire = (from: string, to: string) => {
    for (const node of consumers.get(from) ?? []) node.input = node.input.map((i) => (i === from ? to : i));
  };
  // An export's own tensors named like the outputs added here (attentions.N) are renamed.
  for (const node of graph.node) {
    node.output = node.output.map((o) => {
      if (!/^attentions\.\d+$/.test(o)) return o;
      rewire(o, `${o}/export`);
      return `${o}/export`;
    });
  }

  // A layer's output is the one tensor its nodes hand to later nodes; its input is what the
  // attention block's residual Add reads from outside the layer.
  const boundaries = softmaxes.map(({ layer }) => {
    const prefix = `/layer.${layer}/`;
    const inLayer = graph.node.filter((n) => n.name.includes(prefix));
    const inLayerSet = new Set(inLayer);
    const produced = new Set(inLayer.flatMap((n) => n.output));
    const outputs = [...produced].filter((t) =>
      (consumers.get(t) ?? []).some((c) => !inLayerSet.has(c)) || graph.output.some((o) => o.name === t),
    );
    const residual = inLayer.find(
      (n) => n.opType === 'Add' && n.name.includes('/attention/output/') && n.input.some((t) => !produced.has(t) && !initializerNames.has(t)),
    );
    if (!residual || outputs.length !== 1) {
      throw new EngineError('unsupported-graph', `Could not find where layer ${layer} begins and ends in ${fileName}, so layer masking cannot be added.`);
    }
    const producer = inLayer.find((n) => n.output.includes(outputs[0]))!;
    const input = residual.input.find((t) => !produced.has(t) && !initializerNames.has(t))!;
    return { input, output: outputs[0], producer, lastIndex: graph.node.indexOf(producer) };
  });

  const g = new GraphWriter(opset, '/head_atlas');
  const prelude = g.maskTensors('attention_mask');
  const preludeNodes = g.nodes.splice(0);
  // New nodes go right after their producers, so the node list stays topologically sorted.
  const insertAfter = new Map<number, Node[]>();
  const queue = (index: number, nodes: Node[]) => insertAfter.set(index, [...(insertAfter.get(index) ?? []), ...nodes]);

  softmaxes.forEach(({ node, index, layer }) => {
    const prefix = `/encoder/layer.${layer}/attention/self`;
    if (!fp16) {
      rewire(node.output[0], g.maskedAttention(node.output[0], prelude.uniform, layer!, shape.heads, prefix));
    } else {
      const probs = g.node('Cast', [node.output[0]], `${prefix}/head_mask/Cast_in`, { to: DataType.FLOAT });
      const masked = g.maskedAttention(probs, prelude.uniform, layer!, shape.heads, prefix, `${prefix}/head_mask/masked`);
      const used = g.node('Cast', [masked], `${prefix}/head_mask/Cast_out`, { to: DataType.FLOAT16 });
      // The map returned is the float16 one the model uses, widened.
      g.node('Cast', [used], `${prefix}/head_mask/Cast_used`, { to: DataType.FLOAT }, [`attentions.${layer}`]);
      rewire(node.output[0], used);
    }
    queue(index, g.nodes.splice(0) as unknown as Node[]);
  });
  // The layer's output tensor keeps its name (later layers, the pooler and graph outputs read it);
  // its producer now writes the unmasked value under a new name.
  boundaries.forEach(({ input, output, producer, lastIndex }, layer) => {
    const unmasked = `${output}/unmasked`;
    const prefix = `/encoder/layer.${layer}`;
    producer.output = producer.output.map((o) => (o === output ? unmasked : o));
    if (!fp16) {
      g.maskedLayer(input, unmasked, layer, prefix, output);
    } else {
      const wide = (t: string, name: string) => g.node('Cast', [t], `${prefix}/layer_mask/${name}`, { to: DataType.FLOAT });
      const gated = g.maskedLayer(wide(input, 'Cast_in'), wide(unmasked, 'Cast_out'), layer, prefix);
      g.node('Cast', [gated], `${prefix}/layer_mask/Cast_back`, { to: DataType.FLOAT16 }, [output]);
    }
    queue(lastIndex, g.nodes.splice(0) as unknown as Node[]);
  });

  const nodes = [...preludeNodes] as unknown as Node[];
  graph.node.forEach((node, i) => {
    nodes.push(node);
    nodes.push(...(insertAfter.get(i) ?? []));
  });
  graph.node = nodes;
  graph.initializer.push(...(g.initializers as unknown as DecodedGraph['initializer']));
  graph.input.push(...(maskInputs(shape.layers, shape.heads) as DecodedGraph['input']));
  const modelOutputs = graph.output.map((o) => o.name);
  graph.output.push(...(attentionOutputs(shape.layers) as DecodedGraph['output']));
  inlineExternalData(graph, externalFiles, fileName);
  return { modelBytes: encodeModel(model), modelOutputs, tables, logitsWidth };
}

const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

/** The external data files (e.g. model.onnx_data) an ONNX file keeps its weights in, relative to it. */
export function externalDataLocations(bytes: Uint8Array, fileName = 'model.onnx'): string[] {
  const graph = decodeModel(bytes, fileName).graph as unknown as DecodedGraph;
  const locations = graph.initializer
    .filter((t) => t.dataLocation === EXTERNAL)
    .map((t) => t.externalData.find((e) => e.key === 'location')?.value ?? '');
  return [...new Set(locations)].filter(Boolean);
}

/** Moves external weights into the graph as raw data (views; encoding copies them once). */
function inlineExternalData(graph: DecodedGraph, files: ReadonlyMap<string, Uint8Array>, fileName: string) {
  for (const t of graph.initializer) {
    if (t.dataLocation !== EXTERNAL) continue;
    const entry = (key: string) => t.externalData.find((e) => e.key === key)?.value;
    const file = files.get(entry('location') ?? '');
    if (!file) throw new EngineError('not-found', `${fileName} keeps ${t.name} in ${entry('location')}, which is missing.`);
    const offset = Number(entry('offset') ?? 0);
    const length = entry('length') === undefined ? file.byteLength - offset : Number(entry('length'));
    if (offset + length > file.byteLength) throw new EngineError('corrupt', `${entry('location')} is shorter than ${fileName} says; download it again.`);
    t.rawData = file.subarray(offset, offset + length);
    t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    t.externalData = [];
  }
}
