import { describe, expect, it } from 'vitest';
import { MemoryError } from '../memory.ts';
import { fixturePath, readBytes } from '../../../test/support/fixture-io.ts';
import { Engine } from './engine.ts';

const file = (name: string) => readBytes(fixturePath('fixtures/weights', name));

describe('the engine sizes a network before building it', () => {
  it('refuses what the backend cannot hold, with the figure, and keeps the network it had', async () => {
    const e = new Engine({ order: ['cpu'] });
    await e.setBackend('cpu');
    const first = await e.loadWeights({ bytes: file('tiny_resnet.safetensors'), name: 'tiny_resnet.safetensors', source: 'first' });
    expect(first.memory.fileBytes).toBe(file('tiny_resnet.safetensors').byteLength);
    expect(first.memory.backendBytes).toBeGreaterThan(0);
    // A backend that holds 100 kB: the tiny ResNeXt needs more.
    e.capacity = () => ({ backend: 'wasm', totalBytes: 100_000, tensorBytes: null, why: { id: 'test.limit', params: {}, text: 'a test limit of 100 kB' } });
    const error = await e.loadWeights({ bytes: file('tiny_resnext.safetensors'), name: 'tiny_resnext.safetensors', source: 'second' }).then(() => null, (err: Error) => err);
    expect(error).toBeInstanceOf(MemoryError);
    expect(error!.message).toMatch(/^the network needs about 3\.87 MB on wasm \(weights and activations\), more than it can hold: a test limit of 100 kB/);
    expect((await e.info()).weights?.source).toBe('first');
    e.unloadWeights();
  });
});
