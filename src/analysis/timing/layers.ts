/**
 * The time model per layer, for the roofline chart, the kernel table and the stage times: an inference pass
 * as eager PyTorch runs it (a layer = a module call with its autocast casts), or as this engine runs it fused
 * ("This browser": a conv with its folded BatchNorm and ReLU; an add and its ReLU two passes of one op).
 */
import { numel, type LayerGraph, type LayerNode } from '../../model/graph.ts';
import type { Device } from '../devices.ts';
import { convMemoryAccessCost, kernelGroups, type KernelCost } from '../roofline.ts';
import { constantsFor } from './constants.ts';
import { inferenceKernels, type Kernel } from './kernels.ts';
import { dispatchSeconds, eagerSeconds, kernelTime, type Layout } from './model.ts';
import { activationBytes, matrixPath, type Precision } from './precision.ts';
import { kernelOptions, type TimeSetting } from './predict.ts';

interface LayerTimes {
  layers: KernelCost[];
  /** Wall milliseconds of the pass (GPU: the host's launches overlap the kernels; CPU: they add). */
  ms: number;
  /** Sum of the layers' milliseconds. */
  layersMs: number;
}

export function timeSetting(device: Device, precision: Precision, layout: Layout): TimeSetting {
  return { device, precision, layout, constants: constantsFor(device) };
}

function stateElements(node: LayerNode): number {
  let n = 0;
  for (const t of node.tensors) if (t.shape.length > 0) n += numel(t.shape);
  return n;
}

/**
 * The kernels of this engine's fused ops: a conv reads its input and weights (BatchNorm folded in) once and
 * writes its last call's output once; every other call of an op is its own element-wise pass.
 */
function fusedKernels(graph: LayerGraph, batch: number, precision: Precision, residualFusion: boolean): { kernels: Kernel[]; groups: number[][] } {
  const eager = inferenceKernels(graph, batch, precision).filter((k) => k.role !== 'cast');
  const byNode = new Map<number, Kernel[]>();
  for (const k of eager) byNode.set(k.node, [...(byNode.get(k.node) ?? []), k]);
  const kernels: Kernel[] = [];
  const groups: number[][] = [];
  const s = activationBytes(precision);
  for (const group of kernelGroups(graph, 'fused', residualFusion)) {
    const first = graph.nodes[group[0]];
    if (first.kind === 'conv' && group.length > 1) {
      const head = byNode.get(first.index)![0];
      const last = graph.nodes[group[group.length - 1]];
      let extra = 0;
      for (const i of group.slice(1)) {
        const n = graph.nodes[i];
        extra += stateElements(n);
        // A residual added in the conv's epilogue: its other operand is read once more.
        if (n.kind === 'add') extra += batch * numel(n.outShape);
      }
      kernels.push({ ...head, bytesRead: head.bytesRead + extra * s, bytesWritten: batch * numel(last.outShape) * s });
      groups.push(group);
      continue;
    }
    for (const i of group) {
      for (const k of byNode.get(i) ?? []) {
        kernels.push(k);
        groups.push(group);
      }
    }
  }
  return { kernels, groups };
}

/** Layers of an inference pass of `batch` with their times on the device. */
export function layerTimes(graph: LayerGraph, batch: number, setting: TimeSetting): LayerTimes {
  const { device, precision } = setting;
  const fused = device.execution === 'fused';
  const eager = fused ? null : inferenceKernels(graph, batch, precision, kernelOptions(setting));
  const { kernels, groups } = eager ? { kernels: eager, groups: eager.map((k) => [k.node]) } : fusedKernels(graph, batch, precision, device.measured?.residualFusion ?? false);
  const times = kernels.map((k) => kernelTime(k, device, precision, setting.layout, setting.constants));
  const wall = eagerSeconds(kernels, times.map((t) => t.seconds), device) * 1000;
  const synchronous = device.kind === 'cpu' || device.kind === 'browser';
  const peak = matrixPath(device, precision);
  // One row per layer: a node's kernels (its casts with it), or one fused op (all its passes).
  const rows = new Map<number, KernelCost>();
  kernels.forEach((k, i) => {
    const group = groups[i];
    const node = graph.nodes[group[0]];
    const t = times[i];
    let row = rows.get(group[0]);
    if (!row) {
      row = {
        name: node.name, type: node.module ?? node.kind, nodes: group, stage: node.stage,
        macs: 0, flops: 0, bytesRead: 0, bytesWritten: 0, intensity: 0, computeMs: 0, memoryMs: 0, ms: 0, bound: 'memory',
        memoryAccessCost: convMemoryAccessCost(node), unit: 'memory', tileUse: 1, peakShare: 0, winograd: false,
      };
      rows.set(group[0], row);
    }
    if (k.gemm) {
      row.macs += k.gemm.m * k.gemm.n * k.gemm.k * k.gemm.groups;
      row.unit = t.unit;
      row.tileUse = t.tileUse;
      row.winograd = t.winograd;
    }
    row.flops += k.flops;
    row.bytesRead += k.bytesRead;
    row.bytesWritten += k.bytesWritten;
    row.computeMs += t.computeS * 1000;
    row.memoryMs += t.memoryS * 1000;
    row.ms += t.seconds * 1000 + (synchronous ? dispatchSeconds(k, device) * 1000 : 0);
  });
  const layers = [...rows.values()];
  for (const l of layers) {
    l.intensity = l.flops / (l.bytesRead + l.bytesWritten);
    l.bound = l.computeMs >= l.memoryMs ? 'compute' : 'memory';
    l.peakShare = l.macs > 0 ? l.flops / ((l.ms / 1000) * peak.tflops * 1e12) : 0;
  }
  return { layers, ms: wall, layersMs: layers.reduce((a, l) => a + l.ms, 0) };
}
