/**
 * Child process: the transport floor. A bare ZeroMQ relay in Node: SUB (connects to the publisher) → PUB (binds),
 * forwarding every spikes message's frames untouched. Same transport, same library, same two hops as the daemon
 * (acquisition → process → subscriber), and no decoding, binning or inference.
 */
import * as zmq from 'zeromq';

async function main(): Promise<void> {
  const [input, output] = process.argv.slice(2);
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
    process.send!({ type: 'stopped', totals: { forwarded } }, () => process.exit(0));
  });
  process.send!({ type: 'ready' });
  try {
    for await (const frames of sub) {
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
