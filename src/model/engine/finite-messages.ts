/**
 * The finite guard's messages (finite.ts) as English templates by id (src/model/message.ts), apart from
 * the guard itself so that the page can translate them without loading tfjs.
 */
export const FINITE_MESSAGES = {
  'finite.input':
    '{what} holds {value} at element {index} of {length}: the network would produce NaN/Inf (PyTorch\'s logits would all be NaN), so there is no prediction. Fix the input.',
  'finite.theInput': 'the input',
  'finite.overflow':
    'the network overflows float32 at {layer}: its values there can reach {value}, past the largest float32 (3.4e38), ' +
    'so PyTorch would compute Inf/NaN: there is no prediction. The weights are damaged or absurdly scaled.',
  'finite.producedAt': 'the network produced NaN/Inf (at {layer}): there is no prediction. The weights are damaged.',
  'finite.logit': 'the network produced NaN/Inf (logit {index} is {value}): there is no prediction. The weights or the input are damaged.',
  'finite.variance':
    'tensor {key} holds {value} at element {index}: BatchNorm divides by sqrt(running_var + eps) = sqrt({sum}), ' +
    'so the network computes NaN. The file is damaged: use an intact copy of the checkpoint.',
  'finite.bnScale':
    'BatchNorm {layer} (channel {channel}: weight {gamma}, running_var {variance}, running_mean {mean}) scales its values by {scale}, ' +
    'which takes them past float32 (3.4e38): PyTorch computes Inf and NaN from here on. The file is damaged or its statistics diverged: use an intact checkpoint.',
  'finite.folded':
    'tensor {key} holds a weight of {weight} in output channel {channel}, which BatchNorm {layer} scales by {scale}: ' +
    'past float32 (3.4e38), so PyTorch computes Inf and NaN for almost any input. The file is damaged: use an intact checkpoint.',
} as const;
