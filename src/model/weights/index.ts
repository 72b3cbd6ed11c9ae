/**
 * Weight import: .pth (torch.save zip or legacy format) and .safetensors files to a float32 state_dict, the strict
 * check against a network, and the network a state_dict belongs to. Pure TypeScript (no tfjs, no DOM).
 */
export { checkStateDict, describeConfig, inferConfig } from './infer.ts';
export {
  ACCEPTED_FORMATS,
  loadWeightsFile,
  stateDictProblems,
  stripWrapperPrefix,
  type WeightsFile,
  type StateDictCheck,
  type WeightsFormat,
} from './state_dict.ts';
export {
  WeightsError,
  type ShapeMismatch,
  type StateDict,
  type StateDictProblems,
  type StateDictShapes,
  type WeightDtype,
  type WeightTensor,
  type WeightsErrorCode,
} from './common.ts';
export { parseSafetensors, type SafetensorsFile } from './safetensors.ts';
export { MAX_PICKLE_BYTES, parsePth, type ReadOptions } from './pth.ts';
