// The ingest stage's whole public surface: wire codec, ZeroMQ subscriber, and the batch type it emits.
export type { SpikeBatch } from './spike-batch';
export {
  CODEC_ERROR_REASONS,
  SPIKES_PROTOCOL_VERSION,
  SPIKES_TOPIC,
  decodeSpikeMessage,
  CodecScratch,
  encodeSpikeMessage,
  type CodecErrorReason,
  type EncodeSpikeOptions,
  type SpikeMessageFields,
} from './codec';
export { SpikeSubscriber, type IngestStats, type SpikeSubscriberOptions } from './spike-subscriber';
