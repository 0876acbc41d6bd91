import { onnx } from './onnxProto.js';

export const DataType = { FLOAT: 1, INT64: 7, FLOAT16: 10 } as const;
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export type AttrValue = number | string | number[] | { float: number };

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttrType.FLOAT, f: value.float };
  return { name, type: AttrType.INT, i: value };
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Appends nodes and initializers to an ONNX graph. Weights are held as views until the model is
 * encoded, which copies them once. (ORT's `externalData` would avoid that copy, but the
 * onnxruntime-web build transformers.js pins cannot mount external data: its minifier renames
 * `Module.MountedFiles`, which the wasm looks up by name.)
 */
export class GraphWriter {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** `namespace` prefixes every name this writer makes, so nodes added to an existing graph cannot collide with its own. */
  constructor(
    private readonly opset: number,
    private readonly namespace = '',
  ) {}

  unique(prefix: string): string {
    return `${this.namespace}${prefix}_${this.counter++}`;
  }

  /** Adds a node; returns its first output's name. */
  node(op: string, inputs: string[], name: string, attrs: Record<string, AttrValue> = {}, outputs?: string[]): string {
    const outs = outputs ?? [`${name}_output_0`];
    this.nodes.push({
      opType: op,
      input: inputs,
      output: outs,
      name,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs[0];
  }

  floats(name: string, data: Float32Array, dims: number[]): string {
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  scalar(value: number): string {
    const name = this.unique('const_f');
    this.initializers.push({ name, dims: [], dataType: DataType.FLOAT, floatData: [value] });
    return name;
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    const name = this.unique('const_i');
    this.initializers.push({ name, dims, dataType: DataType.INT64, int64Data: values });
    return name;
  }

  /** ReduceSum over the last axis, keeping it: axes moved from attribute to input in opset 13. */
  reduceSumLastAxis(input: string, name: string): string {
    return this.opset >= 13
      ? this.node('ReduceSum', [input, this.ints([-1])], name, { keepdims: 1 })
      : this.node('ReduceSum', [input], name, { axes: [-1], keepdims: 1 });
  }

  /**
   * The attention mask as two [batch, 1, 1, seq] tensors: the additive mask Hugging Face uses
   * ((1 - m) * float32 min), and the uniform map 1/L over each example's unpadded tokens.
   */
  maskTensors(attentionMask: string, withUniform = true): { additive: string; uniform: string } {
    const maskF = this.node('Cast', [attentionMask], `${this.namespace}/mask/Cast`, { to: DataType.FLOAT });
    const shape4 = this.ints([0, 1, 1, -1]);
    const inverted = this.node('Sub', [this.scalar(1), maskF], `${this.namespace}/mask/Sub`);
    const additiveFlat = this.node('Mul', [inverted, this.scalar(-3.4028234663852886e38)], `${this.namespace}/mask/Mul`);
    const additive = this.node('Reshape', [additiveFlat, shape4], `${this.namespace}/mask/Reshape`);
    if (!withUniform) return { additive, uniform: '' };
    const count = this.reduceSumLastAxis(maskF, `${this.namespace}/mask/ReduceSum`);
    const uniformFlat = this.node('Div', [maskF, count], `${this.namespace}/mask/Div`);
    const uniform = this.node('Reshape', [uniformFlat, shape4], `${this.namespace}/mask/Reshape_1`);
    return { additive, uniform };
  }

  /**
   * Applies layer `layer`'s head mask to attention probabilities `probs` [B, H, S, S]:
   * probs * head_mask[layer] + head_uniform[layer] * uniform. With a mask of ones and uniform
   * weights of zero this is exact (x * 1 + 0 = x), so an unmasked run is bitwise unchanged.
   */
  maskedAttention(probs: string, uniform: string, layer: number, heads: number, prefix: string, outName = `attentions.${layer}`): string {
    const index = this.ints([layer], []);
    const shape = this.ints([1, heads, 1, 1]);
    const keep = this.node('Reshape', [this.node('Gather', ['head_mask', index], `${prefix}/head_mask/Gather`, { axis: 0 }), shape], `${prefix}/head_mask/Reshape`);
    const fill = this.node('Reshape', [this.node('Gather', ['head_uniform', index], `${prefix}/head_uniform/Gather`, { axis: 0 }), shape], `${prefix}/head_uniform/Reshape`);
    const kept = this.node('Mul', [probs, keep], `${prefix}/head_mask/Mul`);
    const filled = this.node('Mul', [fill, uniform], `${prefix}/head_uniform/Mul`);
    return this.node('Add', [kept, filled], `${prefix}/head_mask/Add`, {}, [outName]);
  }

  /** A layer's output with the layer mask applied: out * m + in * (1 - m). */
  maskedLayer(input: string, output: string, layer: number, prefix: string, outName?: string): string {
    const m = this.node('Gather', ['layer_mask', this.ints([layer], [])], `${prefix}/layer_mask/Gather`, { axis: 0 });
    const pass = this.node('Sub', [this.scalar(1), m], `${prefix}/layer_mask/Sub`);
    const kept = this.node('Mul', [output, m], `${prefix}/layer_mask/Mul`);
    const passed = this.node('Mul', [input, pass], `${prefix}/layer_mask/Mul_1`);
    return this.node('Add', [kept, passed], `${prefix}/layer_mask/Add`, {}, outName ? [outName] : undefined);
  }
}

export function maskInputs(layers: number, heads: number): onnx.IValueInfoProto[] {
  return [
    valueInfo('head_mask', DataType.FLOAT, [layers, heads]),
    valueInfo('head_uniform', DataType.FLOAT, [layers, heads]),
    valueInfo('layer_mask', DataType.FLOAT, [layers]),
  ];
}

export function attentionOutputs(layers: number): onnx.IValueInfoProto[] {
  return Array.from({ length: layers }, (_, l) =>
    valueInfo(`attentions.${l}`, DataType.FLOAT, ['batch_size', 'num_heads', 'sequence_length', 'sequence_length']),
  );
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 127) {
    out.push((value % 128) | 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** A length-delimited field's key and length prefix. */
function fieldHeader(field: number, length: number): number[] {
  return [...varint(field * 8 + 2), ...varint(length)];
}

const GRAPH_FIELD = 7; // ModelProto.graph
const INITIALIZER_FIELD = 5; // GraphProto.initializer
const RAW_DATA_FIELD = 9; // TensorProto.raw_data

/**
 * Serialises a model, copying each weight exactly once into one buffer. protobufjs would shift
 * every nested message as it closes it (seconds for BERT-base), so it encodes only the small parts:
 * the model without initializers, and each initializer without its raw data. Protobuf merges
 * repeated occurrences of a message field, so the initializers travel in a second `graph` field
 * and each tensor's raw data in a field of its own.
 */
export function encodeModel(model: onnx.IModelProto): Uint8Array {
  const graph = model.graph ?? {};
  const head = onnx.ModelProto.encode({ ...model, graph: { ...graph, initializer: [] } }).finish();
  const tensors = (graph.initializer ?? []).map((t) => {
    const raw = t.rawData && t.rawData.byteLength ? t.rawData : null;
    // An empty raw_data field would override int64_data/float_data in ORT, so it is never written.
    const meta = onnx.TensorProto.encode({ ...t, rawData: undefined }).finish();
    const rawHeader = raw ? fieldHeader(RAW_DATA_FIELD, raw.byteLength) : [];
    const length = meta.byteLength + rawHeader.length + (raw?.byteLength ?? 0);
    return { meta, raw, rawHeader, header: fieldHeader(INITIALIZER_FIELD, length), length };
  });
  const graphLength = tensors.reduce((sum, t) => sum + t.header.length + t.length, 0);
  const graphHeader = tensors.length ? fieldHeader(GRAPH_FIELD, graphLength) : [];
  const out = new Uint8Array(head.byteLength + graphHeader.length + (tensors.length ? graphLength : 0));
  let pos = 0;
  const put = (bytes: ArrayLike<number>) => {
    out.set(bytes, pos);
    pos += bytes.length;
  };
  put(head);
  put(graphHeader);
  for (const t of tensors) {
    put(t.header);
    put(t.meta);
    if (t.raw) {
      put(t.rawHeader);
      put(t.raw);
    }
  }
  return out;
}
