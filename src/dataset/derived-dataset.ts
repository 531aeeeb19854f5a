import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from '../errors';

/**
 * A binned recording in the "derived" layout of ../shared/data (and of training/README.md): a folder with
 * manifest.json, spike_counts_u8.bin (uint8 [bins, units] row-major) and kinematics_f64.bin (float64 LE
 * [bins, columns] row-major; the columns are named in the manifest).
 */
export interface DerivedDataset {
  dir: string;
  /** Human name of the recording, the manifest folder's parent name when the manifest has none. */
  name: string;
  binMs: number;
  bins: number;
  units: number;
  /** Spike counts, [bins, units] row-major. */
  counts: Uint8Array;
  /** Kinematics, [bins, kinematicColumns.length] row-major. */
  kinematics: Float64Array;
  kinematicColumns: string[];
}

/** Where the main real dataset sits relative to a clone of this repository (CI puts shared/ beside the clone). */
export const DEFAULT_DATASET_DIR = path.resolve(__dirname, repoRootFromHere(), '..', 'shared', 'data', 'm1-stevenson2011-centerout', 'derived');

function repoRootFromHere(): string {
  // This file runs from src/dataset (ts) or dist/src/dataset (compiled).
  return __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..';
}

export function datasetAvailable(dir = DEFAULT_DATASET_DIR): boolean {
  return existsSync(path.join(dir, 'manifest.json'));
}

interface ManifestFile {
  dtype?: string;
  shape?: number[];
  sha256?: string;
  columns?: string[];
}

export function loadDerivedDataset(dir: string, options: { verifySha256?: boolean } = {}): DerivedDataset {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new DatasetError(
      `dataset folder ${dir} has no manifest.json; expected the derived layout (manifest.json, spike_counts_u8.bin, ` +
        `kinematics_f64.bin) described in training/README.md`,
    );
  }
  let manifest: { bin_width_s?: number; n_bins?: number; n_units?: number; name?: string; files?: Record<string, ManifestFile> };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new DatasetError(`${manifestPath} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const binWidthS = requireNumber(manifest.bin_width_s, 'bin_width_s', manifestPath);
  const bins = requireNumber(manifest.n_bins, 'n_bins', manifestPath);
  const units = requireNumber(manifest.n_units, 'n_units', manifestPath);
  const countsInfo = manifest.files?.['spike_counts_u8.bin'];
  const kinInfo = manifest.files?.['kinematics_f64.bin'];
  if (!countsInfo || !kinInfo) {
    throw new DatasetError(`${manifestPath}: files must describe spike_counts_u8.bin and kinematics_f64.bin`);
  }
  const kinematicColumns = kinInfo.columns ?? [];
  if (kinematicColumns.length === 0) {
    throw new DatasetError(`${manifestPath}: files["kinematics_f64.bin"].columns must name the kinematic columns`);
  }

  const countsBytes = readChecked(path.join(dir, 'spike_counts_u8.bin'), bins * units, countsInfo.sha256, options.verifySha256);
  const kinBytes = readChecked(path.join(dir, 'kinematics_f64.bin'), bins * kinematicColumns.length * 8, kinInfo.sha256, options.verifySha256);
  // Copy into fresh, aligned buffers: a Buffer from readFileSync may sit at an unaligned offset of a shared pool.
  const counts = new Uint8Array(countsBytes);
  const kinematics = new Float64Array(kinBytes.length / 8);
  new Uint8Array(kinematics.buffer).set(kinBytes);

  return {
    dir,
    name: manifest.name ?? path.basename(path.dirname(path.resolve(dir))),
    binMs: Math.round(binWidthS * 1e6) / 1e3,
    bins,
    units,
    counts,
    kinematics,
    kinematicColumns,
  };
}

function requireNumber(value: unknown, key: string, file: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new DatasetError(`${file}: "${key}" must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readChecked(file: string, expectedBytes: number, sha256: string | undefined, verify = false): Buffer {
  if (!existsSync(file)) throw new DatasetError(`dataset file ${file} is missing`);
  const bytes = readFileSync(file);
  if (bytes.length !== expectedBytes) {
    throw new DatasetError(`${file} has ${bytes.length} bytes but the manifest's shape needs ${expectedBytes}; the file or manifest is wrong`);
  }
  if (verify && sha256) {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new DatasetError(`${file} sha256 is ${actual}, manifest says ${sha256}: the file was changed or truncated`);
  }
  return bytes;
}

/** Index of a kinematic column by name, or a DatasetError listing the columns there are. */
export function kinematicColumn(dataset: DerivedDataset, name: string): number {
  const i = dataset.kinematicColumns.indexOf(name);
  if (i < 0) throw new DatasetError(`dataset ${dataset.name} has no kinematic column "${name}"; it has ${dataset.kinematicColumns.join(', ')}`);
  return i;
}

/**
 * Bin range [first, end) covering the fraction [from, to) of a recording. Rounds to the nearest bin, as the training
 * package's chronological split does (training/rpnt/data.py), so --from 0.8 starts exactly at its first test bin.
 */
export function fractionToBins(bins: number, from: number, to: number): { firstBin: number; endBin: number } {
  if (!(from >= 0 && to <= 1 && from < to)) {
    throw new DatasetError(`--from/--to must satisfy 0 <= from < to <= 1, got from=${from} to=${to}`);
  }
  return { firstBin: Math.round(bins * from), endBin: Math.round(bins * to) };
}
