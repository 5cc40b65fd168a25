#!/usr/bin/env python3
"""Loads a generator written by `hsic-infogan export` into PyTorch and draws from it.

    pip install torch safetensors numpy
    hsic-infogan export --run runs/hsic            # runs/hsic/generator.safetensors + .json
    python scripts/torch_generator.py runs/hsic/generator.safetensors --grid grid.png
    python scripts/torch_generator.py runs/hsic/generator.safetensors \
        --latent samples_latent.npy --out images.npy   # the images of `sample --npy samples.npy`

The modules mirror the Rust generators: `Generator` InfoGAN's (appendix C.1, MNIST): FC
1024-BN-ReLU, FC (H/4)(W/4)*128-BN-ReLU, 4x4 up-conv 64 stride 2-BN-ReLU, 4x4 up-conv C stride
2-sigmoid; `DspritesGenerator` InfoGAN-CR's dSprites one: FC 128-ReLU-BN, FC (H/16)(W/16)*64-ReLU-BN,
4x4 up-convs stride 2 to 64, 32, 32 channels each lReLU(0.2)-BN, 4x4 up-conv C-sigmoid. The .json
names which (`networks`, absent in older exports: InfoGAN's). The input is
[z | one-hot of each categorical code | continuous codes] (the .json says so).
"""

import argparse
import json
import struct
import sys
import zlib
from pathlib import Path

try:
    import numpy as np
    import torch
    from safetensors.torch import load_file
    from torch import nn
except ImportError as missing:
    sys.exit(f"{missing}: install the Python side with `pip install torch safetensors numpy`")


class Generator(nn.Module):
    def __init__(self, input_size, image):
        super().__init__()
        channels, self.height, self.width = image
        cells = (self.height // 4) * (self.width // 4)
        self.fc1 = nn.Linear(input_size, 1024, bias=False)
        self.bn1 = nn.BatchNorm1d(1024)
        self.fc2 = nn.Linear(1024, cells * 128, bias=False)
        self.bn2 = nn.BatchNorm1d(cells * 128)
        self.up1 = nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.up2 = nn.ConvTranspose2d(64, channels, 4, stride=2, padding=1)

    def forward(self, latent):
        x = torch.relu(self.bn1(self.fc1(latent)))
        x = torch.relu(self.bn2(self.fc2(x)))
        x = x.view(-1, 128, self.height // 4, self.width // 4)
        x = torch.relu(self.bn3(self.up1(x)))
        return torch.sigmoid(self.up2(x))


class DspritesGenerator(nn.Module):
    def __init__(self, input_size, image):
        super().__init__()
        channels, self.height, self.width = image
        cells = (self.height // 16) * (self.width // 16)
        self.fc1 = nn.Linear(input_size, 128)
        self.bn1 = nn.BatchNorm1d(128)
        self.fc2 = nn.Linear(128, cells * 64)
        self.bn2 = nn.BatchNorm1d(cells * 64)
        self.up1 = nn.ConvTranspose2d(64, 64, 4, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(64)
        self.up2 = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
        self.bn4 = nn.BatchNorm2d(32)
        self.up3 = nn.ConvTranspose2d(32, 32, 4, stride=2, padding=1)
        self.bn5 = nn.BatchNorm2d(32)
        self.up4 = nn.ConvTranspose2d(32, channels, 4, stride=2, padding=1)

    def forward(self, latent):
        lrelu = nn.functional.leaky_relu
        x = self.bn1(torch.relu(self.fc1(latent)))
        x = self.bn2(torch.relu(self.fc2(x)))
        x = x.view(-1, 64, self.height // 16, self.width // 16)
        x = self.bn3(lrelu(self.up1(x), 0.2))
        x = self.bn4(lrelu(self.up2(x), 0.2))
        x = self.bn5(lrelu(self.up3(x), 0.2))
        return torch.sigmoid(self.up4(x))


NETWORKS = {"InfoGan": Generator, "Dsprites": DspritesGenerator}


def load(weights):
    """The generator of an export (eval mode) and its latent layout."""
    weights = Path(weights)
    layout = json.loads(weights.with_suffix(".json").read_text())
    networks = layout.get("networks") or "InfoGan"
    if networks not in NETWORKS:
        sys.exit(f"{weights.with_suffix('.json')}: unknown networks {networks!r}, expected one of {list(NETWORKS)}")
    generator = NETWORKS[networks](layout["input_size"], layout["image"])
    result = generator.load_state_dict(load_file(weights), strict=False)
    # Burn keeps no batch counter; PyTorch only uses it when momentum is None.
    missing = [key for key in result.missing_keys if not key.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        sys.exit(f"{weights}: not a generator export (missing {missing}, unexpected {result.unexpected_keys})")
    return generator.eval(), layout


def sample_grid_latent(layout, rows=10, cols=10, seed=0):
    """Inputs for a rows x cols grid from the prior: row r sets the first categorical code to
    r (mod its size), the other codes and the noise are drawn."""
    rng = torch.Generator().manual_seed(seed)
    n = rows * cols
    parts = [torch.randn(n, layout["noise"], generator=rng)]
    for g, size in enumerate(layout["categorical"]):
        values = torch.arange(n) // cols % size if g == 0 else torch.randint(size, (n,), generator=rng)
        parts.append(nn.functional.one_hot(values, size).float())
    parts.append(torch.rand(n, layout["continuous"], generator=rng) * 2 - 1)
    return torch.cat(parts, 1)


def write_png(images, rows, cols, path):
    """A grid of `[N, C, H, W]` images in [0, 1] as an 8-bit PNG (grey or RGB), 2-pixel gaps."""
    n, channels, height, width = images.shape
    pad = 2
    grid = np.full((rows * (height + pad) + pad, cols * (width + pad) + pad, channels), 128, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        y, x = pad + r * (height + pad), pad + c * (width + pad)
        grid[y : y + height, x : x + width] = np.round(images[k].transpose(1, 2, 0).clip(0, 1) * 255)
    color = {1: 0, 3: 2}[channels]
    raw = b"".join(b"\x00" + row.tobytes() for row in grid)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", grid.shape[1], grid.shape[0], 8, color, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights", help="generator.safetensors written by `hsic-infogan export`")
    parser.add_argument("--grid", help="write a 10 x 10 grid of samples (PNG)")
    parser.add_argument("--latent", help="an [N, input_size] float32 .npy of generator inputs")
    parser.add_argument("--out", help="with --latent: where the [N, C, H, W] images go (.npy)")
    args = parser.parse_args()
    generator, layout = load(args.weights)
    with torch.no_grad():
        if args.grid:
            write_png(generator(sample_grid_latent(layout)).numpy(), 10, 10, args.grid)
            print(f"grid: {args.grid} (rows: the first categorical code)")
        if args.latent:
            if not args.out:
                sys.exit("--latent needs --out")
            latent = torch.from_numpy(np.load(args.latent)).float()
            if latent.ndim != 2 or latent.shape[1] != layout["input_size"]:
                sys.exit(f"{args.latent}: expected [N, {layout['input_size']}], got {list(latent.shape)}")
            np.save(args.out, generator(latent).numpy())
            print(f"images: {args.out}")


if __name__ == "__main__":
    main()
