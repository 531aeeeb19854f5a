/**
 * Child process: the transport floor. A bare ZeroMQ relay in Node: SUB (connects to the publisher) → PUB (binds),
 * forwarding every spikes message's frames untouched. Same transport, same library, same two hops as the daemon
 * (acquisition → process → subscriber), and no decoding, binning or inference.
 *
 * argv: input output [every]. With `every` = k > 1 only every k-th message goes out (k = messages per bin), so the
 * output hop runs at the daemon's kinematics cadence: a socket that sends 50 times a second wakes up colder than one
 * that sends 1000 times, and the floor should pay that too. The publisher starts only once a subscriber is
 * connected, so the relay's first message is the stream's first and the k-th is the one that closes bin 0.
 */
import * as zmq from 'zeromq';

async function main(): Promise<void> {
  const [input, output, everyArg] = process.argv.slice(2);
  const every = Math.max(1, Number(everyArg ?? 1));
  let received = 0;
  const sub = new zmq.Subscriber({ linger: 0 });
  const pub = new zmq.Publisher({ linger: 0 });
  await pub.bind(output);
  sub.connect(input);
  sub.subscribe('spikes');
  let forwarded = 0;
  process.on('message', (message) => {
    if (message !== 'stop') return;
    sub.close();
    pub.close();
    process.send!({ type: 'stopped', totals: { received, forwarded } }, () => process.exit(0));
  });
  process.send!({ type: 'ready' });
  try {
    for await (const frames of sub) {
      received++;
      if (received % every !== 0) continue;
      await pub.send(frames);
      forwarded++;
    }
  } catch {
    // closed by stop
  }
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', message: (error as Error).stack ?? String(error) });
  process.exit(1);
});
