#!/usr/bin/env python3
"""Publish synthetic spikes to rpntd in wire protocol v1 (docs/PROTOCOL.md, "Spikes").

An acquisition system binds a ZeroMQ PUB socket and sends one message per block of samples: every spike detected in
[t0, t1), then the next message starts at t1. Messages without spikes still go out: they tell rpntd that time has
passed, which is what closes bins.

    python3 examples/publish-spikes.py --endpoint tcp://127.0.0.1:5556 --source sim0 --channels 96

Needs pyzmq and msgpack (Debian: python3-zmq python3-msgpack). Stops after --messages messages (0 = never).
"""

import argparse
import random
import struct
import time

import msgpack
import zmq


def spikes_in_block(rng, channels, block_samples, rate_hz, spike_rate_hz):
    """Poisson spikes on every channel within one block: (offsets, channels), offsets in samples from t0."""
    expected = channels * spike_rate_hz * block_samples / rate_hz
    count = 0
    # Poisson count by summing exponential gaps in units of the expected count.
    gap_total = rng.expovariate(1.0)
    while gap_total < expected:
        count += 1
        gap_total += rng.expovariate(1.0)
    spikes = sorted((rng.randrange(block_samples), rng.randrange(channels)) for _ in range(count))
    return [offset for offset, _ in spikes], [channel for _, channel in spikes]


def encode_spikes(source, seq, rate_hz, t0, t1, offsets, channels):
    """One spikes message as its two frames. The arrays are little-endian uint32 / uint16 bytes (msgpack bin)."""
    body = {
        "v": 1,
        "source": source,
        "seq": seq,
        "rate": rate_hz,
        "t0": t0,
        "t1": t1,
        "offsets": struct.pack(f"<{len(offsets)}I", *offsets),
        "channels": struct.pack(f"<{len(channels)}H", *channels),
        # Same clock as rpntd's receive stamp when both run on one host (CLOCK_MONOTONIC).
        "sent_ns": time.monotonic_ns(),
    }
    # use_bin_type=True (msgpack >= 1.0 default) sends bytes as bin, which rpntd requires.
    return [b"spikes", msgpack.packb(body, use_bin_type=True)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default="tcp://127.0.0.1:5556", help="where to bind the PUB socket")
    parser.add_argument("--source", default="sim0", help="name of this acquisition stream")
    parser.add_argument("--rate", type=int, default=30000, help="sample rate, Hz")
    parser.add_argument("--channels", type=int, default=96)
    parser.add_argument("--block-samples", type=int, default=30, help="samples per message (30 = 1 ms at 30 kHz)")
    parser.add_argument("--spike-rate-hz", type=float, default=20.0, help="mean firing rate per channel, Hz")
    parser.add_argument("--messages", type=int, default=0, help="stop after this many messages (0 = run forever)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    context = zmq.Context()
    socket = context.socket(zmq.PUB)
    socket.bind(args.endpoint)

    block_s = args.block_samples / args.rate
    start_s = time.monotonic()
    seq = 0
    t0 = 0
    while args.messages == 0 or seq < args.messages:
        t1 = t0 + args.block_samples
        # Send when the block has been acquired, on a fixed schedule, as real hardware would.
        delay_s = start_s + (seq + 1) * block_s - time.monotonic()
        if delay_s > 0:
            time.sleep(delay_s)
        offsets, channels = spikes_in_block(rng, args.channels, args.block_samples, args.rate, args.spike_rate_hz)
        socket.send_multipart(encode_spikes(args.source, seq, args.rate, t0, t1, offsets, channels))
        seq += 1
        t0 = t1

    socket.close(linger=1000)
    context.term()


if __name__ == "__main__":
    main()
