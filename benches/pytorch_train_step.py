#!/usr/bin/env python3
"""One training iteration of GAN, InfoGAN or HSIC-InfoGAN in PyTorch on the CPU, the same
iteration as `cargo bench --bench train_step` times (which runs this script beside its own
timing with `-- --against-pytorch`):

    pip install torch numpy
    python benches/pytorch_train_step.py --model hsic --threads 2 --seconds 20
    python benches/pytorch_train_step.py --networks dsprites --image-size 64 --model hsic

Same networks, initialisation (weights N(0, 0.02), biases 0, batch norm gamma N(1, 0.02)),
batch of random images, losses and Adam settings as `hsic_infogan_train::Trainer::step`: a D step
on a real and a detached fake batch, then a G step with D's parameters frozen; the three loss
values read back to the host. The networks:

- `infogan` (default): InfoGAN's MNIST ones (appendix C.1), 28 x 28, batch 100, latent 62 noise +
  one 10-way code + 2 continuous codes; HSIC-InfoGAN as the paper's one joint CKA term on pixels;
- `dsprites`: InfoGAN-CR's dSprites ones (`crates/models/src/dsprites.rs`), `--image-size`
  (default 64), batch 64, latent 5 noise + 5 continuous codes; InfoGAN's continuous weight 0.05;
  HSIC-InfoGAN as one CKA term of weight 0.02 per code on pixels (`train --dataset shapes`).

Prints the median seconds per iteration after 10 warm-up iterations, as `median_seconds S
samples N`. With `--serve`, prints `ready` after the warm-up instead, then runs one iteration
per line read from stdin and prints its seconds, until stdin closes: the bench then times flex's
and PyTorch's steps in pairs, a moment apart, so that a noisy machine slows both alike.
"""

import argparse
import statistics
import sys
import time

try:
    import torch
    from torch import nn
    from torch.nn.functional import cross_entropy, leaky_relu, one_hot, softplus
except ImportError as missing:
    sys.exit(f"{missing}: install PyTorch with `pip install torch numpy`")

SLOPE = 0.1


def init(module):
    """DCGAN/InfoGAN initialisation."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)
    return module


class Layout:
    """The latent layout: noise, the categorical code's values (0: none), continuous codes."""

    def __init__(self, noise, categories, continuous):
        self.noise, self.categories, self.continuous = noise, categories, continuous
        self.codes = categories + continuous


MNIST, DSPRITES = Layout(62, 10, 2), Layout(5, 0, 5)


class Generator(nn.Module):
    """InfoGAN's MNIST generator."""

    def __init__(self, layout):
        super().__init__()
        self.fc1, self.bn1 = nn.Linear(layout.noise + layout.codes, 1024, bias=False), nn.BatchNorm1d(1024)
        self.fc2, self.bn2 = nn.Linear(1024, 7 * 7 * 128, bias=False), nn.BatchNorm1d(7 * 7 * 128)
        self.up1, self.bn3 = nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64)
        self.up2 = nn.ConvTranspose2d(64, 1, 4, 2, 1)

    def forward(self, latent):
        x = torch.relu(self.bn2(self.fc2(torch.relu(self.bn1(self.fc1(latent))))))
        x = torch.relu(self.bn3(self.up1(x.view(-1, 128, 7, 7))))
        return torch.sigmoid(self.up2(x))


class Discriminator(nn.Module):
    """InfoGAN's MNIST discriminator, with the Q head for InfoGAN."""

    def __init__(self, layout, q_head):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 4, 2, 1)
        self.conv2, self.bn2 = nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128)
        self.fc1, self.bn3 = nn.Linear(7 * 7 * 128, 1024, bias=False), nn.BatchNorm1d(1024)
        self.fc2 = nn.Linear(1024, 1)
        self.q = nn.Sequential(nn.Linear(1024, 128, bias=False), nn.BatchNorm1d(128), nn.LeakyReLU(SLOPE), nn.Linear(128, layout.codes)) if q_head else None

    def forward(self, images):
        x = leaky_relu(self.conv1(images), SLOPE)
        x = leaky_relu(self.bn2(self.conv2(x)), SLOPE)
        trunk = leaky_relu(self.bn3(self.fc1(x.flatten(1))), SLOPE)
        return self.fc2(trunk).view(-1), (self.q(trunk) if self.q is not None else None)


class DspritesGenerator(nn.Module):
    """InfoGAN-CR's dSprites generator: activation before batch norm, biases everywhere."""

    def __init__(self, layout, side):
        super().__init__()
        self.cells = side // 16
        self.fc1, self.bn1 = nn.Linear(layout.noise + layout.codes, 128), nn.BatchNorm1d(128)
        self.fc2, self.bn2 = nn.Linear(128, self.cells**2 * 64), nn.BatchNorm1d(self.cells**2 * 64)
        self.ups = nn.ModuleList(nn.ConvTranspose2d(i, o, 4, 2, 1) for i, o in [(64, 64), (64, 32), (32, 32)])
        self.bns = nn.ModuleList(nn.BatchNorm2d(o) for o in [64, 32, 32])
        self.last = nn.ConvTranspose2d(32, 1, 4, 2, 1)

    def forward(self, latent):
        x = self.bn2(torch.relu(self.fc2(self.bn1(torch.relu(self.fc1(latent))))))
        x = x.view(-1, 64, self.cells, self.cells)
        for up, bn in zip(self.ups, self.bns):
            x = bn(leaky_relu(up(x), 0.2))
        return torch.sigmoid(self.last(x))


class DspritesDiscriminator(nn.Module):
    """InfoGAN-CR's dSprites discriminator (no spectral norm, as here), with the Q head for InfoGAN."""

    def __init__(self, layout, side, q_head):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(i, o, 4, 2, 1) for i, o in [(1, 32), (32, 32), (32, 64), (64, 64)])
        self.fc1, self.fc2 = nn.Linear((side // 16) ** 2 * 64, 128), nn.Linear(128, 1)
        self.q = nn.Sequential(nn.Linear(128, 128), nn.LeakyReLU(0.2), nn.Linear(128, layout.codes)) if q_head else None

    def forward(self, images):
        x = images
        for conv in self.convs:
            x = leaky_relu(conv(x), 0.2)
        trunk = leaky_relu(self.fc1(x.flatten(1)), 0.2)
        return self.fc2(trunk).view(-1), (self.q(trunk) if self.q is not None else None)


def info_loss(q, layout, categories, continuous, weight):
    """Cross-entropy of the categorical code plus weight x 0.5 (c - mu)^2 (mean over the batch)."""
    nll = ((q[:, layout.categories :] - continuous) ** 2).sum() / (2 * len(q))
    if layout.categories == 0:
        return weight * nll
    return cross_entropy(q[:, : layout.categories], categories) + weight * nll


def cka(x, y, sigma_x=8.0, sigma_y=1.0):
    """tr(KHLH) / sqrt(tr(KHKH) tr(LHLH)) with Gaussian kernels: the paper's one joint term
    (`train --hsic-joint --constant-lambda`), which the Rust side of the comparison trains."""
    def centred_gram(a, sigma):
        k = torch.exp(-torch.cdist(a, a).pow(2) / (2 * sigma**2))
        return k - k.mean(0, keepdim=True) - k.mean(1, keepdim=True) + k.mean()

    k, l = centred_gram(x.flatten(1), sigma_x), centred_gram(y, sigma_y)
    return (k * l).sum() / torch.sqrt((k * k).sum() * (l * l).sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["gan", "infogan", "hsic"], default="hsic")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seconds", type=float, default=20.0, help="time budget after the warm-up")
    parser.add_argument("--min-samples", type=int, default=3)
    parser.add_argument("--networks", choices=["infogan", "dsprites"], default="infogan")
    parser.add_argument("--batch", type=int, help="default: 100 (infogan), 64 (dsprites)")
    parser.add_argument("--image-size", type=int, default=64, help="dsprites: the images' side (a multiple of 16)")
    parser.add_argument("--serve", action="store_true", help="one timed iteration per line of stdin")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    q_head = args.model == "infogan"
    if args.networks == "dsprites":
        if args.image_size % 16:
            parser.error(f"--image-size {args.image_size}: the dSprites networks need a multiple of 16")
        layout, side, batch, weight = DSPRITES, args.image_size, args.batch or 64, 0.05
        g, d = DspritesGenerator(layout, side), DspritesDiscriminator(layout, side, q_head)
    else:
        layout, side, batch, weight = MNIST, 28, args.batch or 100, 0.1
        g, d = Generator(layout), Discriminator(layout, q_head)
    g, d = init(g), init(d)
    optim_g = torch.optim.Adam(g.parameters(), lr=1e-3, betas=(0.5, 0.999), eps=1e-8)
    optim_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    real_images = torch.randint(0, 256, (2000, 1, side, side)).float() / 255

    def hsic(fake, categories, continuous):
        """MNIST: one joint term (weight 1); dSprites: one term per code (weight 0.02 each)."""
        if layout.categories:
            return cka(fake, torch.cat([one_hot(categories, layout.categories).float(), continuous], 1))
        return sum(0.02 * cka(fake, continuous[:, i : i + 1]) for i in range(layout.continuous))

    def step():
        real = real_images[torch.randint(0, 2000, (batch,))]
        categories = torch.randint(0, max(layout.categories, 1), (batch,))
        continuous = torch.rand(batch, layout.continuous) * 2 - 1
        parts = [one_hot(categories, layout.categories).float()] if layout.categories else []
        codes = torch.cat(parts + [continuous], 1)
        fake = g(torch.cat([torch.randn(batch, layout.noise), codes], 1))

        d.requires_grad_(True)
        real_logits, _ = d(real)
        fake_logits, q = d(fake.detach())
        d_loss = softplus(-real_logits).mean() + softplus(fake_logits).mean()
        if q is not None:
            d_loss = d_loss + info_loss(q, layout, categories, continuous, weight)
        optim_d.zero_grad(set_to_none=True)
        d_loss.backward()
        optim_d.step()

        d.requires_grad_(False)
        logits, q = d(fake)
        g_adv = softplus(-logits).mean()
        reg = info_loss(q, layout, categories, continuous, weight) if q is not None else (-hsic(fake, categories, continuous) if args.model == "hsic" else None)
        g_loss = g_adv + reg if reg is not None else g_adv
        optim_g.zero_grad(set_to_none=True)
        g_loss.backward()
        optim_g.step()
        return d_loss.item(), g_adv.item(), reg.item() if reg is not None else 0.0

    def timed():
        t = time.perf_counter()
        step()
        return time.perf_counter() - t

    for _ in range(10):
        step()
    if args.serve:
        print("ready", flush=True)
        for _ in sys.stdin:
            print(f"{timed():.6f}", flush=True)
        return
    samples, start = [], time.perf_counter()
    while len(samples) < args.min_samples or (time.perf_counter() - start < args.seconds and len(samples) < 100):
        samples.append(timed())
    print(f"median_seconds {statistics.median(samples):.6f} samples {len(samples)}")


if __name__ == "__main__":
    main()
