"""Test NLL of `vae-mnist` (seed 000's 784-500-500-20 VAE) on binarised MNIST, with wall time.

Trains the preset through aekit's Trainer on dynamically binarised MNIST (60k; a fresh Bernoulli
draw per batch), then estimates -log p(x) on a statically binarised test set with K importance
samples (Burda et al. 2016). Anchors from the literature: pythae's VAE 89.8 nats, IWAE (k=50)
86.8. As a time reference, one epoch of a plain PyTorch loop of the same model is measured in
the same run, and the ratio of aekit's seconds per epoch to it is printed.

    python -m benchmarks.vae_nll [--epochs 30] [--iw-samples 1000] [--n-test 10000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import aekit
from aekit import metrics
from aekit.data.binarize import bernoulli, binarize
from aekit.parts.latent import gaussian_kl

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def plain_epoch(model: aekit.Autoencoder, x: torch.Tensor, batch: int) -> float:
    """The loop a tutorial would write for the same VAE: sample, BCE summed + KL, step."""
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    model.train()
    start = time.perf_counter()
    perm = torch.randperm(len(x))
    for i in range(0, len(x), batch):
        xb = torch.bernoulli(x[perm[i:i + batch]])
        mean, logvar = model.encoder(xb).chunk(2, dim=1)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        logits = model.decoder(z)
        loss = (F.binary_cross_entropy_with_logits(logits, xb, reduction="sum")
                + gaussian_kl(mean, logvar).sum()) / len(xb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--iw-samples", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=10000, help="test images to score")
    args = parser.parse_args()

    train = aekit.load_source("mnist", data_dir=args.data_dir)
    test = aekit.load_source("mnist:test", data_dir=args.data_dir, limit=args.n_test)
    x = (train.x / train.full_scale).astype(np.float32)
    x_test = binarize((test.x / test.full_scale).astype(np.float32), "static", 1)
    preset = aekit.load_preset("vae-mnist")
    config = aekit.TrainConfig(**{**preset.train, "epochs": args.epochs, "val_split": 0.0})
    torch.manual_seed(0)
    model = aekit.create_model(preset.model["arch"], **{
        k: v for k, v in preset.model.items() if k != "arch"}, input_shape=(1, 28, 28))
    reference = plain_epoch(aekit.create_model(preset.model["arch"], **{
        k: v for k, v in preset.model.items() if k != "arch"}, input_shape=(1, 28, 28)),
        torch.as_tensor(x), config.batch_size)

    start = time.perf_counter()
    history = aekit.Trainer(model, config, device="cpu").fit(x, transform=bernoulli)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    neg_elbo = metrics.neg_elbo_per_sample(model, x_test).mean()
    nll = metrics.iw_nll_per_sample(model, x_test, args.iw_samples).mean()
    eval_seconds = time.perf_counter() - start

    per_epoch = train_seconds / len(history)
    print(f"vae-mnist, {len(history)} epochs on 60k dynamically binarised MNIST "
          f"(torch threads: {torch.get_num_threads()})")
    print(f"training: {train_seconds:.0f} s ({per_epoch:.1f} s/epoch; plain PyTorch loop "
          f"{reference:.1f} s/epoch, ratio {per_epoch / reference:.2f})")
    print(f"test ({len(x_test)} images, static binarisation): -ELBO {neg_elbo:.2f} nats, "
          f"NLL (K={args.iw_samples}) {nll:.2f} nats  [{eval_seconds:.0f} s]")
    print(f"anchors: pythae VAE 89.8, IWAE-k50 86.8; target <= 95 nats: "
          f"{'met' if nll <= 95 else 'not met'}")


if __name__ == "__main__":
    main()
