import { expect, it } from 'vitest';
import { encodeModel } from '../onnxGraph';
import { onnx } from '../onnxProto.js';

it('encodes a model that decodes to the same content, raw data included', () => {
  const raw = new Uint8Array(300).map((_, i) => i % 251);
  const model = {
    irVersion: 8,
    producerName: 'test',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Identity', input: ['w'], output: ['y'], name: 'n' }],
      initializer: [
        { name: 'w', dims: [75], dataType: 1, rawData: raw },
        { name: 'empty', dims: [0], dataType: 1 },
        { name: 'k', dims: [2], dataType: 7, int64Data: [3, 4] },
      ],
      input: [],
      output: [{ name: 'y' }],
    },
  };
  const decoded = onnx.ModelProto.decode(encodeModel(model));
  const graph = decoded.graph as onnx.GraphProto;
  const tensors = graph.initializer as onnx.TensorProto[];
  expect(decoded.producerName).toBe('test');
  expect(graph.node![0].opType).toBe('Identity');
  expect(graph.name).toBe('g');
  expect(tensors.map((t) => t.name)).toEqual(['w', 'empty', 'k']);
  expect([...tensors[0].rawData]).toEqual([...raw]);
  // protobufjs decodes int64 as Long objects.
  expect(tensors[2].int64Data!.map(Number)).toEqual([3, 4]);
  expect(Object.hasOwn(tensors[2], 'rawData')).toBe(false);
  // The same content protobufjs decodes from its own encoding.
  const reference = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  expect(onnx.ModelProto.encode(decoded).finish()).toEqual(onnx.ModelProto.encode(reference).finish());
});
