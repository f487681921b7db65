"""Test NLL of a VAE preset (default `vae-mnist-paper`) on binarised MNIST, with wall time.

Trains the preset through aekit's Trainer on dynamically binarised MNIST (60k; a fresh Bernoulli
draw per batch), then estimates -log p(x) on a statically binarised test set with K importance
samples (Burda et al. 2016). Every `--curve-every` epochs the NLL (K=100) of 1,000 seeded test
images is printed, the per-epoch curve; `--json` keeps it with the per-epoch losses. Anchors
from the literature: pythae's VAE 89.8 nats, IWAE paper VAE 86.76, IWAE (k=50) 84.78. As a
time reference, one epoch of a plain PyTorch loop of the same model is measured in the same
run, and the ratio of aekit's seconds per epoch to it is printed. With --pythae (the `bench`
extra), pythae's VAE trains the same networks from the same initialisation for the same epochs
(benchmarks/pythae_vae.py), at the same time on a second thread, and is scored by the same
estimator, as a second column.

    python -m benchmarks.vae_nll [--preset vae-mnist-paper] [--epochs N] [--iw-train K]
                                 [--iw-samples 1000] [--n-test 10000] [--pythae] [--json F]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import aekit
from aekit import metrics
from aekit.data.binarize import bernoulli, binarize
from aekit.parts.latent import gaussian_kl
from aekit.presets import Preset
from aekit.train.callbacks import Callback
from benchmarks import pythae_vae

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


class TestCurve(Callback):
    """The NLL (K=100) of a fixed seeded sample of test images every `every` epochs and at
    the last: how the likelihood moves while the schedule runs."""

    def __init__(self, x_test: np.ndarray, every: int, started: float):
        self.x = x_test[np.random.default_rng(0).permutation(len(x_test))[:1000]]
        self.every, self.started, self.points = every, started, []

    def on_epoch_end(self, *, trainer: aekit.Trainer, record: dict, **kwargs: object) -> None:
        epoch = record["epoch"]
        if self.every and (epoch % self.every == 0 or epoch == trainer.config.epochs):
            trainer.model.eval()
            nll = float(metrics.iw_nll_per_sample(trainer.model, self.x, 100).mean())
            trainer.model.train()
            minutes = (time.perf_counter() - self.started) / 60
            self.points.append({"epoch": epoch, "nll_k100_1k": nll, "minutes": minutes})
            print(f"epoch {epoch}: train loss {record['train_loss']:.2f}, test NLL (K=100, "
                  f"{len(self.x):,} images) {nll:.2f}, {minutes:.1f} min", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--preset", default="vae-mnist-paper")
    parser.add_argument("--epochs", type=int, help="default: the preset's")
    parser.add_argument("--iw-train", type=int, default=1, help="train on the IWAE bound, K")
    parser.add_argument("--iw-samples", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=10000, help="test images to score")
    parser.add_argument("--limit", type=int, help="training images (default: all 60,000)")
    parser.add_argument("--curve-every", type=int, default=10, help="epochs between curve "
                        "points (0: none)")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    parser.add_argument("--json", help="write the per-epoch losses and the curve here")
    parser.add_argument("--figure", help="PNG of the per-epoch curve beside the anchors")
    parser.add_argument("--pythae", action="store_true",
                        help="also train pythae's VAE on the same networks (bench extra)")
    args = parser.parse_args()
    if args.pythae and not pythae_vae.available():
        parser.error("--pythae: pythae is not installed; pip install -e '.[bench]'")
    if args.threads:
        torch.set_num_threads(args.threads)

    train = aekit.load_source("mnist", data_dir=args.data_dir, limit=args.limit)
    test = aekit.load_source("mnist:test", data_dir=args.data_dir, limit=args.n_test)
    x = (train.x / train.full_scale).astype(np.float32)
    x_test = binarize((test.x / test.full_scale).astype(np.float32), "static", 1)
    preset = aekit.load_preset(args.preset)
    config = aekit.TrainConfig(**{**preset.train, **scaled_schedule(preset, args.epochs),
                                  "val_split": 0.0})
    model = fresh_model(preset, args.iw_train)
    reference = plain_epoch(fresh_model(preset), torch.as_tensor(x), config.batch_size)

    peer = fresh_model(preset) if args.pythae else None
    if peer is not None:
        peer_seconds = pythae_vae.train_alongside(peer, x, config.epochs, config.batch_size,
                                                  config.lr)
    start = time.perf_counter()
    curve = TestCurve(x_test, args.curve_every, start)
    history = aekit.Trainer(model, config, callbacks=[curve], device="cpu").fit(
        x, transform=bernoulli)
    train_seconds = time.perf_counter() - start
    per_epoch = sum(r["seconds"] for r in history) / len(history)
    print(f"{args.preset} (iw-train K={args.iw_train}, KL warm-up {config.kl_warmup} epochs), "
          f"{len(history)} epochs on {len(x)} "
          f"dynamically binarised MNIST images (torch threads: {torch.get_num_threads()})")
    print(f"training: {train_seconds / 60:.1f} min with the curve points ({per_epoch:.1f} s/epoch "
          f"training alone; plain PyTorch loop {reference:.1f} s/epoch, ratio "
          f"{per_epoch / reference:.2f})")
    nll = score(model, x_test, args.iw_samples, "aekit")
    if peer is not None:
        seconds = peer_seconds()
        print(f"pythae VAE, same networks, initialisation and epochs, on the grey levels, "
              f"trained at the same time on a second thread: {seconds:.0f} s "
              f"({seconds / config.epochs:.1f} s/epoch)")
        peer_nll = score(peer, x_test, args.iw_samples, "pythae")
        print(f"aekit - pythae: {nll - peer_nll:+.2f} nats; seconds per epoch "
              f"{per_epoch:.1f} vs {seconds / config.epochs:.1f}")
    print("anchors: pythae's published VAE 89.8, IWAE paper VAE 86.76 and IWAE-k50 84.78; "
          f"target <= 87.0 nats: {'met' if nll <= 87.0 else 'not met'}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "preset": args.preset, "iw_train": args.iw_train, "nll": nll,
            "iw_samples": args.iw_samples, "train_minutes": train_seconds / 60,
            "threads": torch.get_num_threads(), "curve": curve.points,
            "epochs": [{"epoch": r["epoch"], "train_loss": r["train_loss"],
                        "seconds": r["seconds"]} for r in history]}, indent=1))
    if args.figure:
        curve_figure(history, curve.points, nll, f"K={args.iw_samples}, {len(x_test):,} images",
                     args.figure, args.iw_train)


def curve_figure(history: list[dict], points: list[dict], nll: float, how: str, path: str,
                 iw_train: int = 1) -> None:
    """Training loss per epoch and the test NLL curve, with the literature's marks."""
    loss = "-ELBO" if iw_train == 1 else f"IWAE bound, K={iw_train}"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot([r["epoch"] for r in history], [r["train_loss"] for r in history], lw=1,
            label=f"train {loss} (dynamic binarisation, per epoch)")
    ax.plot([p["epoch"] for p in points], [p["nll_k100_1k"] for p in points], "o-", ms=3,
            label="test NLL, K=100, 1,000 images")
    ax.plot([history[-1]["epoch"]], [nll], "k*", ms=10,
            label=f"final test NLL {nll:.2f} ({how})")
    for value, label, right in ((89.8, "pythae VAE 89.8", True), (87.0, "target 87.0", True),
                                (86.76, "IWAE paper VAE 86.76", False),
                                (84.78, "IWAE k=50 84.78", True)):
        ax.axhline(value, ls=":", lw=1, color="grey")
        ax.annotate(label, (0.99 if right else 0.01, value), xycoords=("axes fraction", "data"),
                    ha="right" if right else "left", va="bottom" if right else "top",
                    fontsize=8, color="grey")
    ax.set(xlabel="epoch", ylabel="nats per image", ylim=(min(84, nll - 1), 105))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scaled_schedule(preset: Preset, epochs: int | None) -> dict[str, int]:
    """The preset's epochs, or `epochs` with the KL warm-up shortened in proportion, so a
    short run keeps the recipe's shape (the cosine schedule scales by itself)."""
    planned = preset.train["epochs"]
    warmup = preset.train.get("kl_warmup", 0)
    if not epochs:
        return {"epochs": planned, "kl_warmup": warmup}
    return {"epochs": epochs, "kl_warmup": round(warmup * epochs / planned)}


def fresh_model(preset: Preset, iw_train: int = 1) -> aekit.Autoencoder:
    """The preset's VAE, initialised from seed 0, so every column starts from the same weights."""
    torch.manual_seed(0)
    return aekit.create_model(preset.model["arch"], **{
        k: v for k, v in preset.model.items() if k != "arch"}, input_shape=(1, 28, 28),
        iw_train=iw_train)


def score(model: aekit.Autoencoder, x_test: np.ndarray, k: int, name: str) -> float:
    """Print and return the mean IW NLL; the -ELBO beside it, both on the same test images."""
    start = time.perf_counter()
    neg_elbo = metrics.neg_elbo_per_sample(model, x_test).mean()
    nll = float(metrics.iw_nll_per_sample(model, x_test, k).mean())
    print(f"{name}: test ({len(x_test)} images, static binarisation): -ELBO {neg_elbo:.2f} "
          f"nats, NLL (K={k}) {nll:.2f} nats  [{time.perf_counter() - start:.0f} s]")
    return nll


if __name__ == "__main__":
    main()
