"""The Python peer: the decoding loop a lab would write by hand, fed the same stream as rpntd.

pyzmq SUB for spikes (docs/PROTOCOL.md) -> numpy binning on the sample clock -> a [T, N] window -> RPNT in PyTorch
eager (torch.no_grad, `--threads` intra-op threads; the same architecture as the shipped model, UNTRAINED weights:
timing does not depend on them) -> pyzmq PUB of kinematics in rpntd's format, with `latency_us` stages from its
own time.monotonic_ns() stamps and `source_sent_ns`, so the bench measures it exactly like the daemon.

Single source, in-order messages (what the bench publisher sends). Prints `READY {json}` once the model is warm,
and `TOTALS {json}` on SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

import msgpack
import numpy as np
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--channels", type=int, required=True)
    ap.add_argument("--bin-ms", type=float, required=True)
    ap.add_argument("--window-bins", type=int, required=True)
    ap.add_argument("--rate", type=float, default=30000.0)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    import torch

    from bench_models import build

    torch.set_num_threads(args.threads)
    model = build(args.channels, args.d_model, args.layers, args.heads)
    n, t = args.channels, args.window_bins
    bin_samples = int(round(args.rate * args.bin_ms / 1000))
    context = torch.zeros(1, 5)
    window = np.zeros((t, n), dtype=np.float32)
    with torch.no_grad():
        for _ in range(20):
            model(torch.from_numpy(window)[None], context)

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.connect(args.input)
    sub.setsockopt(zmq.SUBSCRIBE, b"spikes")
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 0)
    pub.bind(args.output)

    stopping = False

    def on_term(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    totals = {"messages": 0, "spikes": 0, "bins": 0, "published": 0, "late_spikes": 0}
    counts = np.zeros(n, dtype=np.float32)   # the open bin
    current_bin = None
    filled = 0
    seq = 0
    print("READY " + json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

    poller = zmq.Poller()
    poller.register(sub, zmq.POLLIN)
    while not stopping:
        if not poller.poll(100):
            continue
        topic, body = sub.recv_multipart()
        decoded_ns = time.monotonic_ns()
        msg = msgpack.unpackb(body, raw=False)
        totals["messages"] += 1
        t0, t1 = msg["t0"], msg["t1"]
        offsets = np.frombuffer(msg["offsets"], dtype="<u4")
        channels = np.frombuffer(msg["channels"], dtype="<u2")
        totals["spikes"] += len(offsets)
        if current_bin is None:
            current_bin = t0 // bin_samples
        bins = (t0 + offsets.astype(np.int64)) // bin_samples
        late = bins < current_bin
        totals["late_spikes"] += int(late.sum())
        # The bench stream's 1 ms blocks never straddle a bin edge, but be correct if they do: count the spikes of
        # the open bin, close it when the clock passes its end, then the next.
        while True:
            in_bin = bins == current_bin
            np.add.at(counts, channels[in_bin], 1.0)
            if t1 < (current_bin + 1) * bin_samples:
                break
            binned_ns = time.monotonic_ns()
            window[:-1] = window[1:]
            window[-1] = counts
            counts[:] = 0
            current_bin += 1
            totals["bins"] += 1
            filled = min(t, filled + 1)
            if filled < t:
                continue
            infer_start = time.monotonic_ns()
            with torch.no_grad():
                out = model(torch.from_numpy(window)[None], context)
            values = out[0, -1].tolist()
            infer_end = time.monotonic_ns()
            published_ns = time.monotonic_ns()
            lat = {
                "bin": (binned_ns - decoded_ns) / 1e3,
                "window": (infer_start - binned_ns) / 1e3,
                "infer": (infer_end - infer_start) / 1e3,
                "publish": (published_ns - infer_end) / 1e3,
                "total": (published_ns - decoded_ns) / 1e3,
            }
            kin = {"v": 1, "seq": seq, "bin_end": current_bin * bin_samples, "values": values,
                   "names": ["hand_vel_x", "hand_vel_y"], "units": ["m/s", "m/s"], "model": "rpnt-untrained@torch",
                   "stale": False, "latency_us": lat, "published_ns": published_ns}
            if "sent_ns" in msg:
                kin["source_sent_ns"] = msg["sent_ns"]
                lat["ingest"] = (decoded_ns - msg["sent_ns"]) / 1e3
                lat["e2e"] = (published_ns - msg["sent_ns"]) / 1e3
            pub.send_multipart([b"kinematics", msgpack.packb(kin, use_bin_type=True)])
            seq += 1
            totals["published"] += 1
    sub.close(0)
    pub.close(0)
    print("TOTALS " + json.dumps(totals), flush=True)


if __name__ == "__main__":
    main()
