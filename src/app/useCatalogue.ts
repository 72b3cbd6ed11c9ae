/**
 * The pretrained catalogue for components: null until its chunk has loaded (it is never part of the first
 * page), then the same `Catalogue` for every caller.
 */
import { useEffect, useState } from 'react';
import { loadCatalogue, type Catalogue } from '../model/pretrained.ts';

export function useCatalogue(): Catalogue | null {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  useEffect(() => {
    let live = true;
    void loadCatalogue().then((c) => {
      if (live) setCatalogue(c);
    });
    return () => {
      live = false;
    };
  }, []);
  return catalogue;
}
