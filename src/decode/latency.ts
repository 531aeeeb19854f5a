import type { Kinematics } from './types';

/**
 * Where the time went for one published output, in nanoseconds; NaN where a stamp is missing. The same numbers go
 * into the message (`latency_us`, src/publish) and into the histograms (src/metrics), so they are defined once, here:
 *
 *   ingest  = receivedNs  − sourceSentNs   the acquisition publisher's send → we decoded the message that closed the
 *                                          bin (wire + ZeroMQ + msgpack decode); NaN when the publisher sent no sent_ns
 *   bin     = closedNs    − receivedNs     counting that message's spikes and closing the bin
 *   window  = inferStartNs − closedNs      updating the window and waiting for the previous inference to finish
 *   infer   = inferEndNs  − inferStartNs   copying the window into the input tensor and the onnxruntime run
 *   publish = publishedNs − inferEndNs     handing the output to the publisher (up to the published_ns stamp)
 *   total   = publishedNs − receivedNs     = bin + window + infer + publish: the daemon's own latency
 *   e2e     = publishedNs − sourceSentNs   = ingest + total; NaN without sent_ns
 *
 * published_ns is stamped just before the message is encoded, since a message cannot carry its own send time; the
 * msgpack encode and the ZeroMQ send call after it take a few microseconds.
 */
export interface StageLatenciesNs {
  ingest: number;
  bin: number;
  window: number;
  infer: number;
  publish: number;
  total: number;
  e2e: number;
}

export function createStageLatencies(): StageLatenciesNs {
  return { ingest: NaN, bin: NaN, window: NaN, infer: NaN, publish: NaN, total: NaN, e2e: NaN };
}

/** Fills `out` (reused per output, so nothing is allocated per bin) and returns it. */
export function fillStageLatencies(k: Kinematics, publishedNs: number, out: StageLatenciesNs): StageLatenciesNs {
  out.ingest = k.receivedNs - k.sourceSentNs; // NaN - NaN stays NaN
  out.bin = k.closedNs - k.receivedNs;
  out.window = k.inferStartNs - k.closedNs;
  out.infer = k.inferEndNs - k.inferStartNs;
  out.publish = publishedNs - k.inferEndNs;
  out.total = publishedNs - k.receivedNs;
  out.e2e = publishedNs - k.sourceSentNs;
  return out;
}
