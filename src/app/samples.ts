/**
 * The sample photos that ship with the app, to try Run and Explain without one's own image: small JPEGs
 * made by tools/samples/make_samples.py from the public-domain / CC0 photos of scikit-image's data
 * (Debian's python3-skimage), each with its photographer and licence as scikit-image states them
 * (skimage/data/_fetchers.py). Vite emits each as its own file; only the Run and Explain views (lazy
 * chunks) import this table, so the first page loads none of it.
 */
import chelsea from './samples/chelsea.jpg?url';
import coffee from './samples/coffee.jpg?url';
import astronaut from './samples/astronaut.jpg?url';

export interface SampleImage {
  /** The file name an image gets when chosen (the one the Run and Explain views name it by). */
  file: string;
  url: string;
  /** What the photo shows: an i18n key. */
  title: 'sample.chelsea' | 'sample.coffee' | 'sample.astronaut';
  /** Who took it and under which terms, as scikit-image states them. */
  credit: string;
  licence: 'cc0' | 'publicDomain';
}

export const SAMPLE_IMAGES: readonly SampleImage[] = [
  { file: 'chelsea.jpg', url: chelsea, title: 'sample.chelsea', credit: 'Stefan van der Walt', licence: 'cc0' },
  { file: 'coffee.jpg', url: coffee, title: 'sample.coffee', credit: 'Rachel Michetti (Pikolo Espresso Bar)', licence: 'cc0' },
  { file: 'astronaut.jpg', url: astronaut, title: 'sample.astronaut', credit: 'NASA', licence: 'publicDomain' },
];
