/**
 * Weight import: .pth (torch.save zip or legacy format) and .safetensors files opened (shapes first) and
 * read to a float32 state_dict, the network a file is for with the strict check against it. Pure
 * TypeScript (no tfjs, no DOM).
 */
export { inferConfig } from './infer.ts';
export { checkStateDict, weightsNetwork } from './network.ts';
export { aboutFile, openWeights, stripWrapperPrefix } from './open.ts';
export { WeightsError, type StateDict } from './common.ts';
