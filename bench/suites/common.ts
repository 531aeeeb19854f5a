import type { ShippedModel } from '../lib/models';

export interface SuiteContext {
  quick: boolean;
  outDir: string;
  tmpDir: string;
  model: ShippedModel;
  say: (line: string) => void;
  seed: number;
  /** onnxruntime provider requested for the daemon under test (it falls back to cpu, and says so, when absent). */
  provider: 'cpu' | 'cuda' | 'tensorrt';
}

export const SAMPLE_RATE_HZ = 30_000;
export const BLOCK_SAMPLES = 30; // 1 ms messages
