#!/usr/bin/env python3
"""The layers of `cargo bench -p hsic-infogan-flex-ops --bench layers` in PyTorch on the CPU:
median ms forward alone (no autograd) and forward plus backward (the input and weight gradients
of `sum(y)`), the same shapes and batch, to read beside that bench's `ours` columns:

    pip install torch numpy
    python3 crates/flex-ops/benches/pytorch_layers.py [--networks dsprites] [--threads 2]

Run it right after the Rust bench on the same machine: the two are separate runs, so compare
them on a quiet machine, or repeat both.
"""

import argparse
import statistics
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as missing:
    sys.exit(f"{missing}: install PyTorch with `pip install torch numpy`")


def conv(c_in, c_out, side, batch):
    return nn.Conv2d(c_in, c_out, 4, 2, 1), (batch, c_in, side, side)


def up(c_in, c_out, side, batch):
    return nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), (batch, c_in, side, side)


def dense(inputs, outputs, batch):
    return nn.Linear(inputs, outputs, bias=False), (batch, inputs)


def norm(shape):
    return nn.BatchNorm2d(shape[1]), shape


def layers(networks):
    if networks == "dsprites":
        b = 64
        return b, [
            ("D conv 1->32", *conv(1, 32, 64, b)),
            ("D conv 32->32", *conv(32, 32, 32, b)),
            ("D conv 32->64", *conv(32, 64, 16, b)),
            ("D conv 64->64", *conv(64, 64, 8, b)),
            ("D fc 1024->128", *dense(1024, 128, b)),
            ("G fc 128->1024", *dense(128, 1024, b)),
            ("G up 64->64", *up(64, 64, 4, b)),
            ("G up 64->32", *up(64, 32, 8, b)),
            ("G up 32->32", *up(32, 32, 16, b)),
            ("G up 32->1", *up(32, 1, 32, b)),
            ("G bn 32x32x32", *norm((b, 32, 32, 32))),
        ]
    b = 100
    return b, [
        ("D conv 1->64", *conv(1, 64, 28, b)),
        ("D conv 64->128", *conv(64, 128, 14, b)),
        ("D fc 6272->1024", *dense(6272, 1024, b)),
        ("G fc 1024->6272", *dense(1024, 6272, b)),
        ("G up 128->64", *up(128, 64, 7, b)),
        ("G up 64->1", *up(64, 1, 14, b)),
        ("D bn 128x7x7", *norm((b, 128, 7, 7))),
        ("G bn 64x14x14", *norm((b, 64, 14, 14))),
    ]


def median_ms(run, seconds):
    """Median of timings of `run` after one warm-up call: at least 3, at most 100, within `seconds`."""
    run()
    samples, start = [], time.perf_counter()
    while len(samples) < 3 or (time.perf_counter() - start < seconds and len(samples) < 100):
        t = time.perf_counter()
        run()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--networks", choices=["infogan", "dsprites"], default="infogan")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seconds", type=float, default=5.0, help="time budget per cell")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    batch, rows = layers(args.networks)
    print(f"PyTorch {torch.__version__}, {args.networks} networks, batch {batch}, {args.threads} threads, median ms")
    print(f"{'layer':<18} {'forward':>9} {'fwd+bwd':>9}")
    for name, layer, shape in rows:
        x = torch.randn(shape)
        with torch.no_grad():
            forward = median_ms(lambda: layer(x), args.seconds)

        def both():
            leaf = x.clone().requires_grad_(True)
            layer(leaf).sum().backward()

        print(f"{name:<18} {forward:>9.2f} {median_ms(both, args.seconds):>9.2f}")


if __name__ == "__main__":
    main()
