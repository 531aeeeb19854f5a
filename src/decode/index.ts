export type { Kinematics, DecodeInput, WindowDecoder } from './types';
export { loadModelCard, checkCardAgainstConfig, type ModelCard } from './model-card';
export { Decoder, ORT_BINARY_DIR, type DecoderOptions, type DecoderStats } from './decoder';
export {
  decodeLatest,
  type SkippedWindowsListener,
  type DecodeFailureListener,
} from './decode-latest';
export { fillStageLatencies, createStageLatencies, type StageLatenciesNs } from './latency';
