/**
 * Weight import: .pth (torch.save zip or legacy format) and .safetensors files opened (shapes first) and
 * read to a float32 state_dict, the network a file is for with the strict check against it. Pure
 * TypeScript (no tfjs, no DOM).
 */
export { describeConfig, inferConfig } from './infer.ts';
export { checkStateDict, weightsNetwork } from './network.ts';
export { aboutFile, openWeights, stripWrapperPrefix, type WeightsFile, type WeightsFormat } from './open.ts';
export { stateDictProblems, type StateDictCheck } from './state_dict.ts';
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
export { MAX_PICKLE_BYTES, parsePth } from './pth.ts';
