// Receive rpntd's decoded kinematics (docs/PROTOCOL.md, "Kinematics") in Node: zeromq v6 + @msgpack/msgpack.
// Not part of the tsc build (tsconfig includes src, native, test, bench); copy it into your controller project.
//
//   npx tsx examples/subscribe-kinematics.ts tcp://127.0.0.1:5560

import { decode } from '@msgpack/msgpack';
import { Subscriber } from 'zeromq';

/** One kinematics message, protocol v1. */
interface KinematicsMessage {
  v: 1;
  seq: number;
  bin_end: number;
  values: number[];
  names: string[];
  units: string[];
  model: string;
  stale: boolean;
  latency_us: { ingest: number; bin: number; window: number; infer: number; publish: number; total: number };
  source_sent_ns?: number;
  published_ns: number;
}

async function main(endpoint: string): Promise<void> {
  const socket = new Subscriber({ receiveHighWaterMark: 10 });
  socket.connect(endpoint);
  socket.subscribe('kinematics');
  let lastSeq: number | undefined;
  for await (const [, body] of socket) {
    const message = decode(body) as KinematicsMessage;
    if (message.v !== 1) {
      console.warn(`skipping kinematics message of unknown version ${String(message.v)}`);
      continue;
    }
    if (lastSeq !== undefined && message.seq !== lastSeq + 1) console.warn(`lost ${message.seq - lastSeq - 1} messages`);
    lastSeq = message.seq;
    const named = message.names.map((name, i) => `${name}=${message.values[i].toFixed(4)} ${message.units[i]}`);
    // published_ns is CLOCK_MONOTONIC, the same clock as process.hrtime on this host.
    const inTransitUs = (Number(process.hrtime.bigint()) - message.published_ns) / 1000;
    console.log(
      `seq ${message.seq} bin_end ${message.bin_end} ${named.join(' ')} total ${message.latency_us.total} us, ` +
        `in transit ${inTransitUs.toFixed(0)} us${message.stale ? ' STALE' : ''}`,
    );
  }
}

main(process.argv[2] ?? 'tcp://127.0.0.1:5560').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
