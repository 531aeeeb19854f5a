import fs from 'node:fs';
import path from 'node:path';

import type { CountSpikes } from './kernel-types';

export { countSpikesTs } from './bin-counts-ts';
export type { CountSpikes } from './kernel-types';
export { TALLY_AHEAD, TALLY_BINNED, TALLY_INVALID, TALLY_LATE, TALLY_LENGTH } from './kernel-types';

/** What build/Release/rpntd_native.node exports (native/src/addon.cc). */
export interface NativeAddon {
  countSpikes: CountSpikes;
}

const ADDON_RELATIVE_PATH = path.join('build', 'Release', 'rpntd_native.node');

/**
 * The repo root seen from this file: `native/` when run from sources, `dist/native/` once compiled. The first
 * candidate holding a build wins.
 */
function addonCandidates(): string[] {
  return [path.resolve(__dirname, '..', ADDON_RELATIVE_PATH), path.resolve(__dirname, '..', '..', ADDON_RELATIVE_PATH)];
}

let cachedAddon: NativeAddon | undefined;

/**
 * Loads the addon once. This is the only place that touches the `.node` file. Throws an Error naming the paths
 * tried and the command that builds it.
 */
export function loadNativeAddon(): NativeAddon {
  if (cachedAddon !== undefined) return cachedAddon;
  const candidates = addonCandidates();
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (found === undefined) {
    throw new Error(
      `native addon rpntd_native.node not found (tried ${candidates.join(', ')}); build it with ` +
        '`npx node-gyp rebuild` in the repository root, or use the TypeScript kernel (kernel: "ts")',
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cachedAddon = require(found) as NativeAddon;
  return cachedAddon;
}

/** True when the addon is built and loads; for tests and tools that can fall back to the TypeScript kernel. */
export function nativeAddonAvailable(): boolean {
  try {
    loadNativeAddon();
    return true;
  } catch {
    return false;
  }
}
