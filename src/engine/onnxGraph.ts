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

  constructor(private readonly opset: number) {}

  unique(prefix: string): string {
    return `${prefix}_${this.counter++}`;
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
  maskTensors(attentionMask: string): { additive: string; uniform: string } {
    const maskF = this.node('Cast', [attentionMask], '/mask/Cast', { to: DataType.FLOAT });
    const shape4 = this.ints([0, 1, 1, -1]);
    const inverted = this.node('Sub', [this.scalar(1), maskF], '/mask/Sub');
    const additiveFlat = this.node('Mul', [inverted, this.scalar(-3.4028234663852886e38)], '/mask/Mul');
    const additive = this.node('Reshape', [additiveFlat, shape4], '/mask/Reshape');
    const count = this.reduceSumLastAxis(maskF, '/mask/ReduceSum');
    const uniformFlat = this.node('Div', [maskF, count], '/mask/Div');
    const uniform = this.node('Reshape', [uniformFlat, shape4], '/mask/Reshape_1');
    return { additive, uniform };
  }

  /**
   * Applies layer `layer`'s head mask to attention probabilities `probs` [B, H, S, S]:
   * probs * head_mask[layer] + head_uniform[layer] * uniform. With a mask of ones and uniform
   * weights of zero this is exact (x * 1 + 0 = x), so an unmasked run is bitwise unchanged.
   */
  maskedAttention(probs: string, uniform: string, layer: number, heads: number, prefix: string): string {
    const index = this.ints([layer], []);
    const shape = this.ints([1, heads, 1, 1]);
    const keep = this.node('Reshape', [this.node('Gather', ['head_mask', index], `${prefix}/head_mask/Gather`, { axis: 0 }), shape], `${prefix}/head_mask/Reshape`);
    const fill = this.node('Reshape', [this.node('Gather', ['head_uniform', index], `${prefix}/head_uniform/Gather`, { axis: 0 }), shape], `${prefix}/head_uniform/Reshape`);
    const kept = this.node('Mul', [probs, keep], `${prefix}/head_mask/Mul`);
    const filled = this.node('Mul', [fill, uniform], `${prefix}/head_uniform/Mul`);
    return this.node('Add', [kept, filled], `${prefix}/head_mask/Add`, {}, [`attentions.${layer}`]);
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

export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
