/**
 * A ResNet / ResNeXt of the layer graph as an ONNX model (opset 17), written here so that
 * `bench:webgpu` can give onnxruntime-web the very network and weights the engine runs, on a machine
 * without PyTorch or fixtures: the engine's fusion plan (`fusionPlan`) with every BatchNorm folded
 * into its conv, as onnxruntime would fold it, the batch axis dynamic ("N"). Convs, ReLU, residual
 * adds, max pool, global average pool, flatten and the fc layer; other networks are refused.
 *
 * Protocol buffers by hand (onnx.proto3): ModelProto { ir_version 1, opset_import 8, graph 7 },
 * GraphProto { node 1, name 2, initializer 5, input 11, output 12 }, NodeProto { input 1, output 2,
 * name 3, op_type 4, attribute 5 }, AttributeProto { name 1, i 3, ints 8, type 20 }, TensorProto
 * { dims 1, data_type 2, name 8, raw_data 9 }, ValueInfoProto { name 1, type 2 }.
 */
import { fusionPlan } from '../src/model/fusion.ts';
import type { BatchNormNode, LayerGraph } from '../src/model/graph.ts';
import { batchNormParams } from '../src/model/tfjs/network.ts';
import { foldBatchNorm } from '../src/model/tfjs/fold.ts';
import type { StateDict } from '../src/model/weights/common.ts';

type Bytes = number[];

function varint(n: number | bigint): Bytes {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: Bytes = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

const key = (field: number, wire: number): Bytes => varint((field << 3) | wire);
const int = (field: number, n: number): Bytes => [...key(field, 0), ...varint(n)];
const bytes = (field: number, b: Bytes | Uint8Array): Bytes => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string): Bytes => bytes(field, [...new TextEncoder().encode(s)]);

function attrInt(name: string, i: number): Bytes {
  return [...str(1, name), ...int(3, i), ...int(20, 2)];
}

function attrInts(name: string, ints: number[]): Bytes {
  return [...str(1, name), ...ints.flatMap((i) => int(8, i)), ...int(20, 7)];
}

function node(op: string, inputs: string[], outputs: string[], attrs: Bytes[] = []): Bytes {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(3, `${op}_${outputs[0]}`), ...str(4, op), ...attrs.flatMap((a) => bytes(5, a))];
}

function tensor(name: string, dims: number[], data: Float32Array): Bytes {
  return [...dims.flatMap((d) => int(1, d)), ...int(2, 1), ...str(8, name), ...bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))];
}

/** A float tensor value with `dims` (a string: a named, dynamic axis). */
function valueInfo(name: string, dims: (number | string)[]): Bytes {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, 1), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** The ONNX model of `graph` with the weights of `sd` (PyTorch names and layouts), input "input", output "logits". */
export function networkToOnnx(graph: LayerGraph, sd: StateDict): Uint8Array {
  const plan = fusionPlan(graph);
  const name = (i: number) => (i < 0 ? 'input' : i === plan.output ? 'logits' : `v${i}`);
  const nodes: Bytes[] = [];
  const inits: Bytes[] = [];
  const take = (key: string) => {
    const t = sd.get(key);
    if (!t) throw new Error(`the weights have no tensor "${key}"`);
    return t.data;
  };
  for (const k of plan.kernels) {
    const n = graph.nodes[k.node];
    const [x, y] = [name(k.inputs[0]), name(k.out)];
    const act = (op: (out: string) => void) => {
      if (!k.relu) return op(y);
      op(`${y}_pre`);
      nodes.push(node('Relu', [`${y}_pre`], [y]));
    };
    switch (n.kind) {
      case 'conv': {
        const c = n.conv;
        let w = take(`${n.name}.weight`);
        let b: Float32Array | null = c.bias ? take(`${n.name}.bias`) : null;
        if (k.bn !== null) ({ weight: w, bias: b } = foldBatchNorm(w, c.outChannels, batchNormParams(sd, graph.nodes[k.bn] as BatchNormNode), b ?? undefined));
        inits.push(tensor(`${n.name}.w`, [c.outChannels, c.inChannels / c.groups, c.kernel, c.kernel], w));
        if (b) inits.push(tensor(`${n.name}.b`, [c.outChannels], b));
        const attrs = [attrInts('kernel_shape', [c.kernel, c.kernel]), attrInts('strides', [c.stride, c.stride]), attrInts('pads', [c.padding, c.padding, c.padding, c.padding]), attrInt('group', c.groups)];
        if (k.add !== null) {
          nodes.push(node('Conv', [x, `${n.name}.w`, ...(b ? [`${n.name}.b`] : [])], [`${y}_conv`], attrs));
          act((out) => nodes.push(node('Add', [`${y}_conv`, name(k.inputs[1])], [out])));
        } else act((out) => nodes.push(node('Conv', [x, `${n.name}.w`, ...(b ? [`${n.name}.b`] : [])], [out], attrs)));
        break;
      }
      case 'add':
        act((out) => nodes.push(node('Add', [x, name(k.inputs[1])], [out])));
        break;
      case 'relu':
        nodes.push(node('Relu', [x], [y]));
        break;
      case 'maxpool': {
        const p = n.pool;
        if (p.ceilMode) throw new Error(`${n.name}: ceil-mode pooling is not written to ONNX here`);
        nodes.push(node('MaxPool', [x], [y], [attrInts('kernel_shape', [p.kernel, p.kernel]), attrInts('strides', [p.stride, p.stride]), attrInts('pads', [p.padding, p.padding, p.padding, p.padding])]));
        break;
      }
      case 'adaptiveavgpool':
        // [N, C, 1, 1], then [N, C]: the graph's flatten is an alias of this value.
        nodes.push(node('GlobalAveragePool', [x], [`${y}_4d`]));
        nodes.push(node('Flatten', [`${y}_4d`], [y], [attrInt('axis', 1)]));
        break;
      case 'linear': {
        const { inFeatures, outFeatures, bias } = n.linear;
        inits.push(tensor(`${n.name}.w`, [outFeatures, inFeatures], take(`${n.name}.weight`)));
        if (bias) inits.push(tensor(`${n.name}.b`, [outFeatures], take(`${n.name}.bias`)));
        nodes.push(node('Gemm', [x, `${n.name}.w`, ...(bias ? [`${n.name}.b`] : [])], [y], [attrInt('transB', 1)]));
        break;
      }
      default:
        throw new Error(`${n.name}: ${n.kind} is not written to ONNX here (ResNet and ResNeXt only)`);
    }
  }
  const [c, h, w] = graph.config.input;
  const outShape = graph.nodes[plan.output].outShape;
  const graphProto = [
    ...nodes.flatMap((n) => bytes(1, n)),
    ...str(2, 'resnext-lab'),
    ...inits.flatMap((t) => bytes(5, t)),
    ...bytes(11, valueInfo('input', ['N', c, h, w])),
    ...bytes(12, valueInfo('logits', ['N', ...outShape])),
  ];
  const model = [...int(1, 8), ...str(2, 'resnext-lab bench'), ...bytes(7, graphProto), ...bytes(8, [...str(1, ''), ...int(2, 17)])];
  return new Uint8Array(model);
}
