#!/usr/bin/env python3
"""Receive rpntd's decoded kinematics (docs/PROTOCOL.md, "Kinematics") and print them.

    python3 examples/subscribe-kinematics.py --endpoint tcp://127.0.0.1:5560

rpntd binds the PUB socket; controllers connect. Needs pyzmq and msgpack (Debian: python3-zmq python3-msgpack).
"""

import argparse
import time

import msgpack
import zmq


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default="tcp://127.0.0.1:5560")
    parser.add_argument("--count", type=int, default=0, help="stop after this many messages (0 = run forever)")
    args = parser.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.SUB)
    # Keep only the newest output if this controller falls behind: a stale command is worse than a skipped one.
    socket.setsockopt(zmq.RCVHWM, 10)
    socket.connect(args.endpoint)
    socket.setsockopt(zmq.SUBSCRIBE, b"kinematics")

    received = 0
    last_seq = None
    while args.count == 0 or received < args.count:
        topic, body = socket.recv_multipart()
        message = msgpack.unpackb(body, raw=False)
        if message.get("v") != 1:
            print(f"skipping kinematics message of unknown version {message.get('v')!r}")
            continue
        if last_seq is not None and message["seq"] != last_seq + 1:
            print(f"lost {message['seq'] - last_seq - 1} kinematics messages")
        last_seq = message["seq"]
        values = dict(zip(message["names"], message["values"]))
        # Same CLOCK_MONOTONIC as rpntd's stamps when both run on one host.
        age_us = (time.monotonic_ns() - message["published_ns"]) / 1000
        flags = " STALE" if message["stale"] else ""
        print(
            f"seq {message['seq']} bin_end {message['bin_end']} {values} units {message['units']} "
            f"total {message['latency_us']['total']:.0f} us, in transit {age_us:.0f} us{flags}"
        )
        received += 1

    socket.close()
    context.term()


if __name__ == "__main__":
    main()
