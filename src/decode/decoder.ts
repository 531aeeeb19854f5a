import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../config';
import { ModelError } from '../errors';
import type { Logger } from '../log';
import type { ModelCard } from './model-card';
import type { WindowDecoder } from './types';

export interface DecoderOptions {
  /** The ONNX file (already verified against the card by loadModelCard). */
  modelPath: string;
  card: ModelCard;
  /** Requested provider; cuda/tensorrt fall back to cpu with one warning when their libraries are missing. */
  executionProvider: ExecutionProviderName;
  intraOpThreads: number;
  interOpThreads: number;
  /** Per-name overrides of card.context.values (config model.context). */
  contextOverrides?: Readonly<Record<string, number>>;
  /** Inferences on a zero window before the first real one. */
  warmupRuns: number;
  log: Logger;
  /**
   * Folder where onnxruntime looks for its provider libraries; defaults to onnxruntime-node's own binary folder.
   * Only tests change it (to make the provider attempt itself fail).
   */
  providerLibraryDir?: string;
}

export interface DecoderStats {
  /** Inferences that returned outputs, warm-up excluded. */
  inferences: number;
  /** Inferences that threw. */
  failures: number;
}

/** onnxruntime-node's binary folder: the provider .so files must sit beside libonnxruntime.so.1 (docs/GPU.md). */
export const ORT_BINARY_DIR = path.join(
  path.dirname(require.resolve('onnxruntime-node/package.json')),
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
);

const PROVIDER_LIBRARIES: Record<Exclude<ExecutionProviderName, 'cpu'>, readonly string[]> = {
  cuda: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'],
  tensorrt: [
    'libonnxruntime_providers_shared.so',
    'libonnxruntime_providers_cuda.so',
    'libonnxruntime_providers_tensorrt.so',
  ],
};

/**
 * One onnxruntime session for the RPNT model with preallocated inputs: `spikes` [1, T, N] float32 and `context`
 * [1, C] float32. decode() takes a window [T·N] and resolves with the newest bin's D outputs.
 *
 * onnxruntime-node 1.29 honours the byteOffset of a Float32Array view (a tensor over `ring.subarray(...)` gives the
 * same outputs as over a copy; checked by test/decode/decoder.test.ts), but its run() is not synchronous: the
 * promise runs the model in a later setImmediate on the main thread, after pending I/O callbacks, which may close
 * the next bin and move the window. So decode() copies the T·N floats into one preallocated Float32Array at call
 * time (≈34 KB for 50×171, microseconds) and the tensor is built over that buffer once. The model then always sees
 * the window as it was when decode() was called.
 */
export class Decoder implements WindowDecoder {
  readonly card: ModelCard;
  /** The provider the session actually runs on (cpu after a fallback). */
  readonly executionProvider: ExecutionProviderName;
  readonly windowBins: number;
  readonly channels: number;
  /** D, values per output. */
  readonly outputCount: number;
  readonly stats: DecoderStats = { inferences: 0, failures: 0 };

  readonly #session: ort.InferenceSession;
  readonly #spikesInput: Float32Array;
  readonly #feeds: Record<string, ort.Tensor>;
  readonly #fetches: readonly string[];
  readonly #outputName: string;
  readonly #lastBinOffset: number;
  #inFlight = false;
  /** The running inference, so close() never releases the session under it. */
  #running: Promise<unknown> = Promise.resolve();

  private constructor(session: ort.InferenceSession, card: ModelCard, provider: ExecutionProviderName, context: Float32Array) {
    this.#session = session;
    this.card = card;
    this.executionProvider = provider;
    this.windowBins = card.window_bins;
    this.channels = card.channels;
    this.outputCount = card.outputs.names.length;
    this.#outputName = card.outputs.name;
    this.#fetches = [card.outputs.name];
    this.#spikesInput = new Float32Array(card.window_bins * card.channels);
    this.#feeds = { spikes: new ort.Tensor('float32', this.#spikesInput, [1, card.window_bins, card.channels]) };
    if (session.inputNames.includes('context')) {
      this.#feeds.context = new ort.Tensor('float32', context, [1, context.length]);
    }
    this.#lastBinOffset = (card.window_bins - 1) * this.outputCount;
  }

  static async create(options: DecoderOptions): Promise<Decoder> {
    const { card, log } = options;
    const context = contextValues(card, options.contextOverrides ?? {});
    const baseOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: options.interOpThreads,
      // Spinning workers burn a core between runs spaced a bin apart and steal it from ingest (anchors-realtime §4.4).
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };

    let provider: ExecutionProviderName = options.executionProvider;
    let session: ort.InferenceSession | undefined;
    if (provider !== 'cpu') {
      const libraryDir = options.providerLibraryDir ?? ORT_BINARY_DIR;
      const missing = PROVIDER_LIBRARIES[provider].filter((file) => !existsSync(path.join(libraryDir, file)));
      const fallback = (reason: string) =>
        log.warn(
          { requestedProvider: provider, usedProvider: 'cpu', reason },
          `execution provider ${provider} unavailable (${reason}); running on cpu instead. To install the ` +
            `${provider} provider on a GPU host see docs/GPU.md (scripts/gpu-install.sh)`,
        );
      if (missing.length > 0) {
        // Checked up front: the normal case (onnxruntime-node ships CPU only) then costs one clear line instead of
        // onnxruntime's own native error dump.
        fallback(`${missing.join(', ')} not found in ${libraryDir}`);
        provider = 'cpu';
      } else {
        try {
          session = await ort.InferenceSession.create(options.modelPath, {
            ...baseOptions,
            executionProviders: [provider === 'cuda' ? { name: 'cuda', deviceId: 0 } : { name: 'tensorrt', deviceId: 0 }],
          });
        } catch (error) {
          fallback(`onnxruntime: ${(error as Error).message}`);
          provider = 'cpu';
        }
      }
    }
    if (session === undefined) {
      try {
        session = await ort.InferenceSession.create(options.modelPath, { ...baseOptions, executionProviders: ['cpu'] });
      } catch (error) {
        throw new ModelError(
          `onnxruntime cannot load ${options.modelPath}: ${(error as Error).message}; re-export the model (opset ` +
            `${card.opset}) or check that the file is an ONNX model`,
          { cause: error },
        );
      }
    }
    checkSessionAgainstCard(session, card, context.length);

    const decoder = new Decoder(session, card, provider, context);
    for (let run = 0; run < options.warmupRuns; run++) {
      await decoder.decode(decoder.#spikesInput);
    }
    decoder.stats.inferences = 0;
    decoder.stats.failures = 0;
    log.info(
      { model: card.name, version: card.version, provider, windowBins: card.window_bins, channels: card.channels,
        warmupRuns: options.warmupRuns },
      'decoder ready',
    );
    return decoder;
  }

  /**
   * Decodes one window (T·N floats, row-major [T, N]) and resolves with the newest bin's D outputs (a view of the
   * output tensor, which onnxruntime allocates fresh per run, so it stays valid). One call at a time: decodeLatest
   * guarantees it; a second concurrent call is refused because both would share the input buffer.
   */
  decode(window: Float32Array): Promise<Float32Array> {
    if (this.#inFlight) {
      return Promise.reject(
        new ModelError('Decoder.decode called while an inference is in flight; feed windows through decodeLatest'),
      );
    }
    if (window.length !== this.#spikesInput.length) {
      return Promise.reject(
        new ModelError(
          `window has ${window.length} floats but model "${this.card.name}" needs window_bins × channels = ` +
            `${this.windowBins} × ${this.channels} = ${this.#spikesInput.length}; the window stage and the card disagree`,
        ),
      );
    }
    // Snapshot now: run() reads the tensor later (see the class comment). No-op when warm-up passes the buffer itself.
    if (window !== this.#spikesInput) this.#spikesInput.set(window);
    this.#inFlight = true;
    const result = this.#session.run(this.#feeds, this.#fetches).then(this.#onOutputs, this.#onFailure);
    this.#running = result.catch(() => undefined);
    return result;
  }

  /** Waits for a running inference, then releases the native session. */
  async close(): Promise<void> {
    await this.#running;
    await this.#session.release();
  }

  readonly #onOutputs = (outputs: ort.InferenceSession.ReturnType): Float32Array => {
    this.#inFlight = false;
    this.stats.inferences++;
    const data = outputs[this.#outputName]!.data as Float32Array;
    return data.subarray(this.#lastBinOffset, this.#lastBinOffset + this.outputCount);
  };

  readonly #onFailure = (error: unknown): never => {
    this.#inFlight = false;
    this.stats.failures++;
    throw new ModelError(`inference failed for model "${this.card.name}": ${(error as Error).message}`, {
      cause: error,
    });
  };
}

function contextValues(card: ModelCard, overrides: Readonly<Record<string, number>>): Float32Array {
  const values = Float32Array.from(card.context.values);
  for (const [name, value] of Object.entries(overrides)) {
    const index = card.context.names.indexOf(name);
    if (index < 0) {
      throw new ModelError(
        `model.context.${name} is not a context input of model "${card.name}" (it has: ` +
          `${card.context.names.join(', ') || 'none'}); remove it or fix the name`,
      );
    }
    values[index] = value;
  }
  return values;
}

/** The exported graph must have the inputs and output shapes the card promises; refuse it otherwise. */
function checkSessionAgainstCard(session: ort.InferenceSession, card: ModelCard, contextLength: number): void {
  const where = `model "${card.name}" (${card.onnxPath})`;
  const fix = 'the .onnx and its card come from different exports: re-export both together';
  if (!session.inputNames.includes('spikes')) {
    throw new ModelError(`${where} has inputs [${session.inputNames.join(', ')}] but no "spikes"; ${fix}`);
  }
  if (!session.inputNames.includes('context') && contextLength > 0) {
    throw new ModelError(`${where} has no "context" input but its card lists ${contextLength} context values; ${fix}`);
  }
  const unknownInputs = session.inputNames.filter((name) => name !== 'spikes' && name !== 'context');
  if (unknownInputs.length > 0) {
    throw new ModelError(`${where} has inputs the daemon cannot feed: ${unknownInputs.join(', ')}; ${fix}`);
  }
  if (!session.outputNames.includes(card.outputs.name)) {
    throw new ModelError(
      `${where} has outputs [${session.outputNames.join(', ')}] but its card names "${card.outputs.name}"; ${fix}`,
    );
  }
  const expectDims = (name: string, actual: readonly (number | string)[] | undefined, expected: (number | undefined)[]) => {
    if (actual === undefined) return;
    const ok =
      actual.length === expected.length &&
      expected.every((dim, i) => dim === undefined || typeof actual[i] !== 'number' || actual[i] === dim);
    if (!ok) {
      const shown = expected.map((d) => (d === undefined ? 'batch' : d)).join(', ');
      throw new ModelError(`${where} input/output "${name}" has shape [${actual.join(', ')}], expected [${shown}]; ${fix}`);
    }
  };
  const shapeOf = (metadata: readonly ort.InferenceSession.ValueMetadata[], name: string) => {
    const entry = metadata.find((m) => m.name === name);
    return entry !== undefined && entry.isTensor ? entry.shape : undefined;
  };
  expectDims('spikes', shapeOf(session.inputMetadata, 'spikes'), [undefined, card.window_bins, card.channels]);
  if (session.inputNames.includes('context')) {
    expectDims('context', shapeOf(session.inputMetadata, 'context'), [undefined, contextLength]);
  }
  expectDims(card.outputs.name, shapeOf(session.outputMetadata, card.outputs.name), [
    undefined,
    card.window_bins,
    card.outputs.names.length,
  ]);
}
