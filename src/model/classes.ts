/**
 * Class names of the class sets the catalogue's checkpoints predict (`pretrained.json` names the set).
 * Loaded by the engine only, so the app's first screen does not carry the 1000 ImageNet names.
 */
import imagenet from './imagenet-1k-classes.json' with { type: 'json' };

/** torchvision's ImageNet-1k class names, in index order. */
export const IMAGENET_CLASSES: readonly string[] = imagenet as string[];

const SETS: Record<string, readonly string[]> = { 'imagenet-1k': IMAGENET_CLASSES };

/** Whether this build has the names of a class set (timm's ImageNet-12k has none here: its classes are shown by index). */
export function hasClassNames(set: string): boolean {
  return set in SETS;
}

/** The names of a class set, or an error naming the sets there are. */
export function classNames(set: string): readonly string[] {
  const names = SETS[set];
  if (!names) throw new Error(`unknown class set "${set}"; known: ${Object.keys(SETS).join(', ')}`);
  return names;
}
