/**
 * The weights errors of normal use as English templates by id (src/model/message.ts): a file of
 * another format or network, NaN weights, a truncated download. The app translates them by the same
 * ids; the detailed diagnostics of crafted files have no id and are shown in English.
 */
import { catalogue } from '../message.ts';

export const WEIGHTS_MESSAGES = {
  'weights.theFile': 'the file',
  'weights.theSafetensorsFile': 'the safetensors file',
  'weights.format': '{name} is not a weights file this app reads: expected {accepted}.{hint}',
  'weights.accepted':
    'a PyTorch state_dict saved with torch.save (.pth/.pt, the zip format of PyTorch >= 1.6 or the legacy format before it) or a .safetensors file',
  'weights.hint.hdf5': ' It is an HDF5 file (Keras .h5?).',
  'weights.hint.npy': ' It is a NumPy .npy array.',
  'weights.hint.gzip': ' It is gzip-compressed: decompress it first.',
  'weights.hint.empty': ' It is empty.',
  'weights.hint.none': '',
  'weights.noTensors': '{name} holds no tensors: save the model\'s weights with torch.save(model.state_dict(), path)',
  'weights.negativeVariance':
    '{name}: tensor {key} holds the negative variance {value} at element {index} of {length}: no data has a negative variance, ' +
    'and BatchNorm divides by sqrt(running_var + eps), so PyTorch computes NaN or Inf from here on. The file is damaged: use an intact copy of the checkpoint.',
  'weights.nonfinite':
    'tensor {key} holds {value} at element {index} of {length} (stored as {dtype}) in {name}: ' +
    'the weights are damaged or the training diverged; a network with such a weight computes only NaN. Refusing to load the file: use a checkpoint from before the divergence.',
  'weights.unreadable': '{name} cannot be read ({why}): the file is damaged, or made to break readers. {remedy}',
  'weights.remedy': 'Download the file again, or re-save it with torch.save(model.state_dict(), path).',
  'weights.inFile': '{name}: {error}',
  'weights.withRemedy': '{error}. {remedy}',
  'weights.mismatch': 'the weights do not fit the network ({network}):\n{problems, lines}{suggestion}',
  'weights.looksLike': 'the file looks like a ResNet/ResNeXt ({network}) but does not fit it:\n{problems, lines}',
  'weights.notice.aa':
    'anti-aliasing has no weights, so this file\'s keys and shapes are also those of {names}; it is loaded without anti-aliasing: if it is one of them, choose that preset (or give --aa {flags} with --weights)',
  'weights.notice.aaKind':
    'the conv stem pool shows anti-aliasing, but a file does not say which kind: {aa} is assumed; if it is the other, choose its preset (or give --aa {other} with --weights)',
  'weights.notice.regnet':
    'the activation, GroupNorm\'s group size and linear block outputs have no weights: this file is loaded as timm builds such a RegNet ({assumed}; the preset of these shapes: {preset}); if it was built otherwise, give those flags with --weights (e.g. --activation relu)',
  'weights.suggestion': '\nThe file fits this network instead: {network}.',
  'weights.noSuggestion': '',
  'weights.missing': '  missing {count} key(s): {keys}',
  'weights.unexpected': '  unexpected {count} key(s): {keys}',
  'weights.mismatched': '  {count} size mismatch(es):\n{items, lines}',
  'weights.mismatchedItem': '    {key}: the file has {got}, the network expects {expected}',
  'weights.mismatchedMore': '    ... and {count} more',
  'weights.keys': '{shown}',
  'weights.keysMore': '{shown}, ... and {count} more',
  'weights.cannotInfer':
    'cannot infer the network: {reason}. Expected a torchvision or timm ResNet/ResNeXt state_dict (conv1 or conv1.0..., bn1, layer1.0..., fc).',
  'weights.reason': '{text}',
  'weights.reason.noKey': 'the file has no {key}',
  'weights.reason.invalid': 'the shapes give an invalid network ({error})',
  'weights.describe': '{block} blocks, depths {depths}, C={c}, d={d}, base width {base}, {stem}, {extras}{channels} input channels, {head}',
  'weights.describePreset': '{preset}: {body}',
  'weights.describe.regnet': 'RegNet d={d}, w0={w0}, wa={wa}, wm={wm}, g={g}, SE ratio {se}: stages of widths {widths} and depths {depths}, stem width {stemWidth}, {impl}\'s modules, {channels} input channels, {head}',
  'weights.describe.stem': '{stem} stem',
  'weights.describe.stemWidth': '{stem} stem (stem width {width})',
  'weights.describe.extras': '{items, list}, ',
  'weights.describe.noExtras': '',
  'weights.describe.avgDown': 'avg-pool shortcut',
  'weights.describe.se': 'squeeze-and-excitation',
  'weights.describe.eca': 'ECA attention',
  'weights.describe.timm': 'timm\'s modules',
  'weights.describe.classes': '{count} classes',
  'weights.describe.noClassifier': 'no classifier',
  'weights.st.short': 'safetensors: the file is {length} bytes, too short for the 8-byte header length',
  'weights.st.headerPast':
    'safetensors: the header length is {header} bytes but only {after} bytes follow it: the file is truncated, or it is not a safetensors file',
  'weights.st.offsetPast':
    'safetensors: tensor {key} has data_offsets [{begin}, {end}], past the end of the data ({length} bytes after the header): the file is truncated or damaged',
  'weights.zipDamaged':
    '{name}: the zip archive is truncated or damaged ({what}); torch.load refuses it too. Download the file again, or re-save it with torch.save.',
} as const;

/** A message of the weights catalogue. */
export const { message: weightsMessage } = catalogue(WEIGHTS_MESSAGES);
