/**
 * One call that turns a config into everything the views show: the layer graph, per-layer costs,
 * per-stage and total params / MACs, refusing networks too large to be meant.
 */
import { ConfigError, LIMITS, stageDepths, type NetworkConfig } from '../model/config.ts';
import { catalogue, type Catalogue } from '../model/message.ts';
import { buildLayerGraph, type ExecutionOrder, type LayerGraph } from '../model/graph.ts';
import { layerMacs, type Convention } from './conventions.ts';
import { layerCost } from './counts.ts';
import { thousands } from './format.ts';

interface StageCost {
  stage: number;
  /** `conv1` (stem), `layer1`.., `head` (pool + fc). */
  module: string;
  params: number;
  macs: number;
}

export interface Analysis {
  graph: LayerGraph;
  convention: Convention;
  stages: StageCost[];
  params: number;
  /** Multiply-accumulates per sample under `convention`. */
  macs: number;
  /** FLOPs = 2 x MACs. */
  flops: number;
}

/** Per-stage params and MACs of a graph (stem = 0, residual stages 1..S, head = S + 1). */
function stageCosts(graph: LayerGraph, convention: Convention = 'paper'): StageCost[] {
  const s = stageDepths(graph.config).length;
  const stages: StageCost[] = [];
  // The head stage exists when the graph has nodes there: torchvision's pool and fc, or timm's head, kept
  // as Identity modules without the top.
  const hasHead = graph.nodes.some((n) => n.stage === s + 1);
  for (let i = 0; i <= s + 1; i++) {
    if (i === s + 1 && !hasHead) break;
    stages.push({ stage: i, module: i === 0 ? 'conv1' : i <= s ? `layer${i}` : 'head', params: 0, macs: 0 });
  }
  for (const node of graph.nodes) {
    const st = stages[node.stage];
    st.params += layerCost(node).params;
    st.macs += layerMacs(node, convention);
  }
  return stages;
}

/** The budget's messages: English templates by id (src/model/message.ts), translated by the app. */
export const ANALYSIS_MESSAGES = {
  'analysis.tooManyParams': 'the network would have {params} parameters (over {max}): reduce the width, depth or classes',
  'analysis.tooManyMacs': 'the network would need {macs} multiply-accumulates per image (over {max}): reduce the input size, width or depth',
} as const;

const ANALYSIS: Catalogue<typeof ANALYSIS_MESSAGES, ConfigError> = catalogue(ANALYSIS_MESSAGES, (m) => new ConfigError(m));

/** Refuses networks beyond `LIMITS` with the figure, instead of hanging on them. */
export function checkBudget(params: number, macs: number): void {
  if (params > LIMITS.maxParams) {
    ANALYSIS.fail('analysis.tooManyParams', { params: thousands(Math.round(params)), max: thousands(LIMITS.maxParams) });
  }
  if (macs > LIMITS.maxMacs) {
    ANALYSIS.fail('analysis.tooManyMacs', { macs: thousands(Math.round(macs)), max: thousands(LIMITS.maxMacs) });
  }
}

export function analyzeGraph(graph: LayerGraph, convention: Convention = 'paper'): Analysis {
  const stages = stageCosts(graph, convention);
  const params = stages.reduce((a, s) => a + s.params, 0);
  const macs = stages.reduce((a, s) => a + s.macs, 0);
  checkBudget(params, macs);
  return { graph, convention, stages, params, macs, flops: 2 * macs };
}

export function analyze(config: NetworkConfig, options: { order?: ExecutionOrder; convention?: Convention } = {}): Analysis {
  return analyzeGraph(buildLayerGraph(config, options.order ?? 'torchvision'), options.convention ?? 'paper');
}
