import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors';
import { RpntdConfigSchema, type RpntdConfig } from './schema';

/** The CLI flags that override the file. Each replaces the value, it does not merge. */
export interface ConfigOverrides {
  /** --input ENDPOINT (repeatable): replaces ingest.endpoints. */
  inputEndpoints?: readonly string[];
  /** --output ENDPOINT: replaces publish.endpoint. */
  outputEndpoint?: string;
  /** --model FILE.onnx: replaces model.path, resolved against the working directory; the card follows it. */
  modelPath?: string;
  /** --metrics-port N: replaces metrics.port. */
  metricsPort?: number;
}

/**
 * The repository (package) root: dist/src/config/load.js and src/config/load.ts are both three levels below it.
 * Defaults that are paths (model.path) are relative to it.
 */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

/** What each field expects and how to fix it; the one place the wording of config errors lives. */
const FIELD_RULES: Record<string, { expected: string; fix?: string }> = {
  'ingest.endpoints': {
    expected: 'a non-empty list of ZeroMQ endpoints like tcp://127.0.0.1:5555',
    fix: 'list the acquisition publishers, or pass --input ENDPOINT',
  },
  'ingest.endpoints[]': { expected: 'a ZeroMQ endpoint like tcp://127.0.0.1:5555 or ipc:///tmp/spikes' },
  'ingest.sources': { expected: 'a list of source names (empty = every source seen)' },
  'ingest.sources[]': { expected: 'a non-empty source name such as "utah-a"' },
  'ingest.rateHz': { expected: 'a positive sample rate in Hz, e.g. 30000' },
  'ingest.channels': {
    expected: 'a whole number of channels between 1 and 65536',
    fix: "set it to the model card's channels",
  },
  'bin.binMs': { expected: 'a positive number of milliseconds', fix: "set it to the model card's bin_ms" },
  'bin.kernel': { expected: 'one of native, ts' },
  'bin.ringBins': { expected: 'a positive whole number of bins (open bins held while a slow source catches up)' },
  'model.path': { expected: 'the path of an .onnx file', fix: 'or pass --model FILE.onnx' },
  'model.card': { expected: 'the path of the model card (.json), or null for the .onnx path with .json' },
  'model.executionProvider': { expected: 'one of cpu, cuda, tensorrt', fix: 'see docs/GPU.md for cuda/tensorrt' },
  'model.intraOpThreads': { expected: 'a whole number of threads ≥ 1', fix: '1 is the low-jitter choice' },
  'model.interOpThreads': { expected: 'a whole number of threads ≥ 1' },
  'model.context': { expected: 'a map from context name to number, e.g. { session_day: 12 }' },
  'model.context.*': { expected: 'a number' },
  'model.warmupRuns': { expected: 'a whole number of runs ≥ 0' },
  'publish.endpoint': {
    expected: 'a ZeroMQ endpoint like tcp://127.0.0.1:5560',
    fix: 'or pass --output ENDPOINT',
  },
  'publish.topic': { expected: 'a non-empty topic such as "kinematics"' },
  'metrics.host': { expected: 'a host name or address to listen on, e.g. 127.0.0.1' },
  'metrics.port': { expected: 'a TCP port between 0 and 65535 (0 = any free port)', fix: 'or pass --metrics-port N' },
  'metrics.enabled': { expected: 'true or false' },
};

const OVERRIDE_FLAGS: Record<string, string> = {
  'ingest.endpoints': '--input',
  'publish.endpoint': '--output',
  'model.path': '--model',
  'metrics.port': '--metrics-port',
};

/**
 * Reads, validates and freezes the configuration.
 *
 * `file` undefined: the schema defaults (identical to config/default.yaml). Relative paths are resolved like this,
 * one rule per origin of the value:
 *  - written in a config file: against that file's folder (so a config and its model can move together; the files
 *    in config/ therefore say `../models/...`);
 *  - a default (not written anywhere): against the repository root;
 *  - a CLI override (--model): against the working directory, like any command-line path.
 *
 * Every failure is a ConfigError naming the YAML path, the value, what was expected and the fix.
 */
export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): RpntdConfig {
  const source = file === undefined ? 'defaults' : displayPath(file);
  let raw: unknown = {};
  if (file !== undefined) raw = readYaml(file, source);
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${source} must hold a YAML mapping (ingest:, bin:, model:, ...), got ${describe(raw)}`);
  }
  const rawConfig = raw as Record<string, unknown>;
  const modelPathFromFile = getIn(rawConfig, ['model', 'path']) !== undefined;
  const modelCardFromFile = getIn(rawConfig, ['model', 'card']);
  const overridden = applyOverrides(rawConfig, overrides);

  const parsed = RpntdConfigSchema.safeParse(rawConfig);
  if (!parsed.success) throw toConfigError(parsed.error.issues[0]!, rawConfig, source, overridden);
  const config = parsed.data;

  const binSamples = (config.ingest.rateHz * config.bin.binMs) / 1000;
  // 1e-6 samples of slack lets a width that is not exact in decimal (50/3 ms written as 16.66666667) through.
  if (Math.abs(binSamples - Math.round(binSamples)) > 1e-6 || Math.round(binSamples) < 1) {
    throw new ConfigError(
      `bin.binMs × ingest.rateHz / 1000 must be a whole number of samples per bin, got ${config.bin.binMs} ms × ` +
        `${config.ingest.rateHz} Hz = ${binSamples} samples (${source}); the nearest widths in whole samples are ` +
        `${nearestWidths(binSamples, config.ingest.rateHz)}`,
    );
  }

  const fileFolder = file === undefined ? REPO_ROOT : path.dirname(path.resolve(file));
  const modelPath = overridden.has('model.path')
    ? path.resolve(config.model.path)
    : path.resolve(modelPathFromFile ? fileFolder : REPO_ROOT, config.model.path);
  // The card follows --model unless the file names one explicitly; a card path written in the file is relative to it.
  let cardPath: string;
  if (typeof modelCardFromFile === 'string' && !overridden.has('model.path')) {
    cardPath = path.resolve(fileFolder, modelCardFromFile);
  } else {
    cardPath = modelPath.replace(/\.onnx$/i, '') + '.json';
  }

  const resolved = {
    ...config,
    model: { ...config.model, path: modelPath, card: cardPath },
  };
  return deepFreeze(resolved) as RpntdConfig;
}

/** "16.63333333 ms (499 samples) or 16.66666667 ms (500 samples)": written precisely enough to pass the check. */
function nearestWidths(binSamples: number, rateHz: number): string {
  const lower = Math.max(1, Math.floor(binSamples));
  const upper = Math.max(lower + 1, Math.ceil(binSamples));
  const width = (samples: number) => `${Number(((samples * 1000) / rateHz).toPrecision(10))} ms (${samples} samples)`;
  return `${width(lower)} or ${width(upper)}`;
}

function readYaml(file: string, source: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(
      `cannot read config file ${source} (${code}); check the path given to --config, or omit it for the defaults`,
      { cause: error },
    );
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigError(`${source} is not valid YAML: ${first.message}`, { cause: first });
  }
  return doc.toJS();
}

function applyOverrides(raw: Record<string, unknown>, overrides: ConfigOverrides): Set<string> {
  const set = new Set<string>();
  const put = (section: string, key: string, value: unknown) => {
    const current = raw[section];
    const sectionObject =
      current !== null && typeof current === 'object' && !Array.isArray(current)
        ? (current as Record<string, unknown>)
        : {};
    raw[section] = { ...sectionObject, [key]: value };
    set.add(`${section}.${key}`);
  };
  if (overrides.inputEndpoints !== undefined && overrides.inputEndpoints.length > 0) {
    put('ingest', 'endpoints', [...overrides.inputEndpoints]);
  }
  if (overrides.outputEndpoint !== undefined) put('publish', 'endpoint', overrides.outputEndpoint);
  if (overrides.modelPath !== undefined) put('model', 'path', overrides.modelPath);
  if (overrides.metricsPort !== undefined) put('metrics', 'port', overrides.metricsPort);
  return set;
}

function toConfigError(
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  source: string,
  overridden: Set<string>,
): ConfigError {
  const issuePath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const where = issuePath.length === 0 ? key : `${formatPath(issuePath)}.${key}`;
    const known = knownKeysAt(issuePath);
    const suggestion = closest(key, known);
    const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : `; expected one of: ${known.join(', ')}`;
    return new ConfigError(`unknown config key "${where}" (${source})${hint}`);
  }
  const yamlPath = formatPath(issuePath);
  const rule = FIELD_RULES[ruleKey(issuePath)];
  const value = getIn(raw, issuePath);
  const flag = OVERRIDE_FLAGS[yamlPath.replace(/\[\d+\]$/, '')];
  const origin = flag !== undefined && overridden.has(yamlPath.replace(/\[\d+\]$/, '')) ? flag : source;
  if (rule === undefined) {
    // Only reachable if the schema grows a field without a FIELD_RULES entry; keep zod's own words then.
    return new ConfigError(`${yamlPath || 'config'} is invalid: ${issue.message}, got ${describe(value)} (${origin})`);
  }
  return new ConfigError(
    `${yamlPath} must be ${rule.expected}, got ${describe(value)} (${origin})${rule.fix ? `; ${rule.fix}` : ''}`,
  );
}

/** YAML path as written in messages: ingest.endpoints[1], model.context.session_day. */
function formatPath(p: readonly (string | number)[]): string {
  let out = '';
  for (const part of p) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}

function ruleKey(p: readonly (string | number)[]): string {
  if (p[0] === 'model' && p[1] === 'context' && p.length > 2) return 'model.context.*';
  return formatPath(p).replace(/\[\d+\]/g, '[]');
}

function knownKeysAt(p: readonly (string | number)[]): string[] {
  let schema: unknown = RpntdConfigSchema;
  for (const part of p) {
    const shape = shapeOf(schema);
    if (shape === undefined || typeof part !== 'string') return [];
    schema = shape[part];
  }
  return Object.keys(shapeOf(schema) ?? {});
}

/** The object shape under prefault/default/optional wrappers, if the schema is an object. */
function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let s = schema as { shape?: Record<string, unknown>; def?: { innerType?: unknown } } | undefined;
  for (let depth = 0; s !== undefined && depth < 8; depth++) {
    if (s.shape !== undefined) return s.shape;
    s = s.def?.innerType as typeof s;
  }
  return undefined;
}

/**
 * The known key nearest to `key` by edit distance, if it is plausibly what was meant: a small distance
 * (≤ max(2, length/3)), or one name's letters appear in order inside the other's with the same first letter, which
 * catches spelled-out forms like binWidthMs → binMs or intraThreads → intraOpThreads.
 */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lowerKey = key.toLowerCase();
  for (const candidate of known) {
    const lowerCandidate = candidate.toLowerCase();
    const d = editDistance(lowerKey, lowerCandidate);
    const plausible =
      d <= Math.max(2, Math.floor(key.length / 3)) ||
      (lowerKey[0] === lowerCandidate[0] &&
        (isSubsequence(lowerKey, lowerCandidate) || isSubsequence(lowerCandidate, lowerKey)));
    if (plausible && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (let j = 0; j < long.length && i < short.length; j++) if (long[j] === short[i]) i++;
  return i === short.length;
}

/** Levenshtein distance (insert, delete, substitute), two rows. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

function getIn(root: unknown, p: readonly (string | number)[]): unknown {
  let node = root;
  for (const part of p) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return relative.startsWith('..') ? path.resolve(file) : relative;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
