import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { RpntdConfig } from '../config';
import { ModelError, ModelMismatchError } from '../errors';

/**
 * The model card: the JSON file the training side writes next to each .onnx (training/ exports it). Keys are
 * snake_case in the file and here alike, so one grep finds both. Unknown top-level keys are allowed (the card may
 * grow); the keys below are checked because the daemon depends on them.
 */
const ModelCardSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  /** ONNX file name, relative to the card's folder. */
  onnx: z.string().min(1),
  /** Hex sha256 of the ONNX file; checked at load. */
  onnx_sha256: z.string().regex(/^[0-9a-f]{64}$/i),
  opset: z.number().int().positive(),
  /** Bin width the model was trained on, ms. */
  bin_ms: z.number().positive(),
  /** T, bins per window. */
  window_bins: z.number().int().positive(),
  /** N, channels per bin. */
  channels: z.number().int().positive(),
  /** The ONNX inputs by name, as exported: spikes [batch, T, N] float32 and context [batch, C] float32. */
  inputs: z.record(
    z.string().min(1),
    z.looseObject({
      shape: z.array(z.union([z.number(), z.string()])).optional(),
      dtype: z.string().optional(),
      meaning: z.string().optional(),
    }),
  ),
  /** Fixed per-model inputs (e.g. subject or session embedding selectors); config model.context overrides by name. */
  context: z.strictObject({ names: z.array(z.string().min(1)), values: z.array(z.number()) }),
  /** The output tensor [batch, T, D] and what each of its D values is. */
  outputs: z.looseObject({
    name: z.string().min(1),
    names: z.array(z.string().min(1)).min(1),
    units: z.array(z.string()),
  }),
  training: z.record(z.string(), z.unknown()),
  test_r2: z.looseObject({ x: z.number(), y: z.number(), mean: z.number(), evaluated_on: z.string() }),
  architecture: z.record(z.string(), z.unknown()),
});

type ModelCardJson = z.output<typeof ModelCardSchema>;

export interface ModelCard extends Readonly<ModelCardJson> {
  /** Where the card was read from (not a JSON key). */
  readonly cardPath: string;
  /** The ONNX file whose sha256 was verified against `onnx_sha256` (not a JSON key). */
  readonly onnxPath: string;
}

/**
 * Reads and validates a model card and verifies the ONNX file's sha256 against it. `onnxPath` is the file the daemon
 * will load (config model.path); it defaults to the card's `onnx` next to the card.
 */
export function loadModelCard(cardPath: string, onnxPath?: string): ModelCard {
  const absoluteCard = path.resolve(cardPath);
  let text: string;
  try {
    text = readFileSync(absoluteCard, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ModelError(
      `cannot read model card ${absoluteCard} (${code}); every .onnx needs its card (same name, .json) from the ` +
        `training export, or set model.card to its path`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelError(`model card ${absoluteCard} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = ModelCardSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join('.') || '(top level)';
    throw new ModelError(
      `model card ${absoluteCard}: ${where} is invalid (${issue.message}); re-export the model with the training ` +
        `export so the card is complete`,
    );
  }
  const card = parsed.data;
  if (card.context.names.length !== card.context.values.length) {
    throw new ModelError(
      `model card ${absoluteCard}: context.names has ${card.context.names.length} entries but context.values has ` +
        `${card.context.values.length}; they must pair up one to one`,
    );
  }
  if (card.outputs.units.length !== card.outputs.names.length) {
    throw new ModelError(
      `model card ${absoluteCard}: outputs.units has ${card.outputs.units.length} entries but outputs.names has ` +
        `${card.outputs.names.length}; give one unit per output`,
    );
  }

  const absoluteOnnx = path.resolve(onnxPath ?? path.join(path.dirname(absoluteCard), card.onnx));
  let onnxBytes: Buffer;
  try {
    onnxBytes = readFileSync(absoluteOnnx);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ModelError(`cannot read ONNX model ${absoluteOnnx} (${code}); check model.path or --model`, {
      cause: error,
    });
  }
  const sha256 = createHash('sha256').update(onnxBytes).digest('hex');
  if (sha256 !== card.onnx_sha256.toLowerCase()) {
    throw new ModelError(
      `ONNX file ${absoluteOnnx} has sha256 ${sha256} but its card ${absoluteCard} says ${card.onnx_sha256}; the ` +
        `model and card do not belong together: copy both from the same export (or re-export to regenerate the card)`,
    );
  }
  return Object.freeze({ ...card, cardPath: absoluteCard, onnxPath: absoluteOnnx });
}

/**
 * Refuses a configuration the model was not trained for: channel count, bin width, ring size, unknown context
 * names. Throws ModelMismatchError naming both values and the fix.
 */
export function checkCardAgainstConfig(card: ModelCard, config: Pick<RpntdConfig, 'ingest' | 'bin' | 'model'>): void {
  const model = `model "${card.name}" ${card.version} (${card.cardPath})`;
  if (card.channels !== config.ingest.channels) {
    throw new ModelMismatchError(
      `${model} expects ${card.channels} channels but ingest.channels is ${config.ingest.channels}; use a model ` +
        `trained for ${config.ingest.channels} channels (see the training docs) or set ingest.channels: ${card.channels} ` +
        `if the recording really has that many`,
    );
  }
  if (Math.abs(card.bin_ms - config.bin.binMs) > 1e-6) {
    throw new ModelMismatchError(
      `${model} was trained on ${card.bin_ms} ms bins but bin.binMs is ${config.bin.binMs}; set bin.binMs: ` +
        `${card.bin_ms} or use a model trained on ${config.bin.binMs} ms bins`,
    );
  }
  for (const name of Object.keys(config.model.context)) {
    if (!card.context.names.includes(name)) {
      const known = card.context.names.length > 0 ? card.context.names.join(', ') : 'none';
      throw new ModelMismatchError(
        `model.context.${name} is not a context input of ${model} (it has: ${known}); remove it or fix the name`,
      );
    }
  }
}
