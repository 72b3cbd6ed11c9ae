/**
 * fixtures/family (the fixture script's part P, `family_fixtures.py`): the architectures of timm's
 * resnet.py that part covers (counts, torchsummary, torchinfo, code, parity); the older parts cover the
 * other presets. Test-only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { findPreset, PRESET_NAMES } from '../../src/model/presets.ts';
import type { FixtureConfig } from './fixture-config.ts';

export const FAMILY_DIR = 'fixtures/family';

type Config = FixtureConfig & { input: [number, number, number]; classes: number; include_top: boolean };

export interface FamilyIndex {
  architectures: { name: string; config: Config; params: number; macs: number; summary: string; torchinfo: string }[];
  inputs: { name: string; config: Config; input: [number, number, number]; error: string | null; summary: string | null; params?: number; macs?: number }[];
  code: { id: string; args: string[]; config: Config; snippet: string; params: number; state_dict: [string, number[]][] }[];
  weights: string[];
}

export function familyIndex(): FamilyIndex {
  return JSON.parse(readFileSync(`${FAMILY_DIR}/index.json`, 'utf8')) as FamilyIndex;
}

/** A gzip'd text of the part, as text. */
export function familyText(file: string): string {
  return gunzipSync(readFileSync(`${FAMILY_DIR}/${file}`)).toString('utf8');
}

/** The presets the older fixture parts (summary, torchinfo, code, cost) cover: all but the family part's. */
export function corePresetNames(): string[] {
  const family = existsSync(`${FAMILY_DIR}/index.json`) ? new Set(familyIndex().architectures.map((a) => a.name)) : new Set<string>();
  // RegNets have their own part (fixtures/regnet).
  return PRESET_NAMES.filter((n) => !family.has(n) && findPreset(n)!.config.block !== 'regnet');
}
