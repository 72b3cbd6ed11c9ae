import { describe, expect, it } from 'vitest';
import { withWeightsNetwork } from './loadedWeights.ts';
import { defaultState } from './state.ts';
import { presetConfig } from '../model/presets.ts';
import type { LoadedWeights } from '../model/engine/protocol.ts';

/** Loaded weights as the engine describes them; only what `withWeightsNetwork` reads matters. */
function loaded(source: string, extra: Partial<LoadedWeights> = {}): LoadedWeights {
  return { config: { ...presetConfig('resnet50'), classes: 10, input: [3, 64, 64] }, source, pretrained: null, ...extra } as LoadedWeights;
}

describe('"use the weights\' network"', () => {
  it('shows their network at the configured input size; a file is recorded as the checkpoint, a URL or random weights are not', () => {
    const s = defaultState();
    const fromFile = withWeightsNetwork(s, loaded('my resnet.pth'));
    expect(fromFile.config).toEqual({ ...presetConfig('resnet50'), classes: 10 });
    expect(fromFile.checkpoint).toBe('my resnet.pth');
    expect(withWeightsNetwork(s, loaded('https://example.org/r50.safetensors')).checkpoint).toBeNull();
    expect(withWeightsNetwork(s, loaded('random', { random: true })).checkpoint).toBeNull();
    expect(withWeightsNetwork(s, loaded('https://hf.co/x', { pretrained: 'resnet50.a1_in1k' })).checkpoint).toBeNull();
  });
});
