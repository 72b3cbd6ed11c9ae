/**
 * The one mapping from the fixture script's snake_case configs (fixtures/summary/index.json, the
 * weight manifests) to a NetworkConfig. Test-only.
 */
import { readFileSync } from 'node:fs';
import type { NetworkConfig } from '../../src/model/config.ts';
import { defaultConfig } from '../../src/model/presets.ts';

export interface FixtureConfig {
  block: NetworkConfig['block'];
  depths: number[];
  cardinality: number;
  width_per_group: number;
  base_width?: number;
  stem: NetworkConfig['stem'];
  stem_width?: number;
  avg_down?: boolean;
  attention?: NetworkConfig['attention'];
  se_reduction?: number;
  norm?: NetworkConfig['norm'];
  aa?: NetworkConfig['aa'];
  stem_pool?: NetworkConfig['stemPool'];
  down_kernel?: number;
  reduce_first?: number;
  conv_widths?: Record<string, number>;
  implementation?: NetworkConfig['implementation'];
  input?: [number, number, number];
  classes?: number;
  include_top?: boolean;
}

/** The config a fixture describes; `extra` sets what the fixture keeps outside its config (input, classes, head). */
export function fixtureConfig(c: FixtureConfig, extra: Partial<NetworkConfig> = {}): NetworkConfig {
  const base = defaultConfig(c.stem);
  return {
    ...base,
    block: c.block,
    depths: [...c.depths],
    cardinality: c.cardinality,
    widthPerGroup: c.width_per_group,
    baseWidth: c.base_width ?? 64,
    stem: c.stem,
    stemWidth: c.stem_width ?? base.stemWidth,
    avgDown: c.avg_down ?? false,
    attention: c.attention ?? 'none',
    seReduction: c.se_reduction ?? base.seReduction,
    norm: c.norm ?? base.norm,
    aa: c.aa ?? base.aa,
    stemPool: c.stem_pool ?? base.stemPool,
    downKernel: c.down_kernel ?? base.downKernel,
    reduceFirst: c.reduce_first ?? base.reduceFirst,
    convWidths: { ...(c.conv_widths ?? base.convWidths) },
    implementation: c.implementation ?? 'torchvision',
    input: c.input ?? base.input,
    classes: c.classes ?? base.classes,
    includeTop: c.include_top ?? true,
    ...extra,
  };
}

/** The network of a fixture case, as every case file of the fixture script (summary, cost, training) writes it. */
export interface FixtureNetwork {
  /** The preset the case is, null for a custom network. */
  preset: string | null;
  config: FixtureConfig;
  input: [number, number, number];
  classes: number;
  include_top: boolean;
}

/** The config of a fixture case's network. */
export function caseConfig(c: Omit<FixtureNetwork, 'preset'>): NetworkConfig {
  return fixtureConfig(c.config, { input: c.input, classes: c.classes, includeTop: c.include_top });
}

/** The parity models of fixtures/weights (one list, written by the fixture script): tiny torchvision and timm networks. */
export function parityModels(): string[] {
  return (JSON.parse(readFileSync('fixtures/weights/models.json', 'utf8')) as { models: string[] }).models;
}
