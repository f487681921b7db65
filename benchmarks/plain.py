"""The reference loops: each model written the obvious way a PyTorch tutorial would.

An nn.Sequential (or a small Module) in the default memory format, the default optimizer
settings of the preset, the penalty written into the loss, a shuffled index slice per batch,
`zero_grad`, `backward`, `step`. No aekit code is used, so the suite compares aekit with what a
user would otherwise copy.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

Epoch = Callable[[torch.Tensor], float]
"""Runs one epoch over x (the plain loop's own layout) and returns its seconds."""

_ACT = {"relu": nn.ReLU, "elu": nn.ELU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def _optimizer(params: Any, train: dict[str, Any]) -> torch.optim.Optimizer:
    name, lr = train.get("optimizer", "adam"), train.get("lr")
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr or 1.0, rho=0.95, eps=1e-7)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr or 1e-3, alpha=0.9, eps=1e-7)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr or 1e-2)
    return torch.optim.Adam(params, lr=lr or 1e-3)


def _dense(sizes: list[int], act: str) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(_ACT[act]())
    return layers


def _loop(model: nn.Module, train: dict[str, Any], loss_fn: Callable[..., torch.Tensor]
          ) -> Epoch:
    optimizer = _optimizer(model.parameters(), train)
    batch = train.get("batch_size", 128)

    def epoch(x: torch.Tensor) -> float:
        start = time.perf_counter()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            xb = x[perm[i:i + batch]]
            loss = loss_fn(model, xb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    return epoch


def _recon(out: torch.Tensor, xb: torch.Tensor, model_cfg: dict[str, Any]) -> torch.Tensor:
    if model_cfg.get("loss") == "bce":
        return F.binary_cross_entropy_with_logits(out, xb)
    if model_cfg.get("output", "sigmoid") == "sigmoid":
        out = torch.sigmoid(out)
    return F.mse_loss(out, xb)


def dense(model_cfg: dict[str, Any], train: dict[str, Any], n_in: int) -> Epoch:
    """Dense AE (linear, keras-simple, stacked-mnist): x is (N, n_in); L2 as the seed writes it."""
    hidden = list(model_cfg["hidden"])
    act = "none" if model_cfg.get("arch") == "linear" else model_cfg.get("activation", "elu")
    sizes = [n_in, *hidden]
    if act == "none":
        net = nn.Sequential(*[nn.Linear(a, b) for a, b in itertools.pairwise(sizes)],
                            *[nn.Linear(a, b) for a, b in itertools.pairwise(sizes[::-1])])
    else:
        code = [_ACT[act]()]
        net = nn.Sequential(*_dense(sizes, act), *code, *_dense(sizes[::-1], act))
    weights = [m.weight for m in net.modules() if isinstance(m, nn.Linear)]
    l2 = model_cfg.get("l2", 0.0)

    def loss(model: nn.Module, xb: torch.Tensor) -> torch.Tensor:
        value = _recon(model(xb), xb, model_cfg)
        if l2:
            value = value + l2 * sum((w ** 2).sum() for w in weights) / 2
        return value

    return _loop(net, train, loss)


def conv(model_cfg: dict[str, Any], train: dict[str, Any]) -> Epoch:
    """The Keras blog's conv AE in NCHW (its 3rd decoder conv is 'valid': 16 -> 14); x is
    (N, 1, 28, 28)."""
    def c(a: int, b: int, padding: str = "same") -> nn.Conv2d:
        return nn.Conv2d(a, b, 3, padding=padding)

    up = nn.Upsample(scale_factor=2, mode="nearest")
    net = nn.Sequential(
        c(1, 16), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        c(16, 8), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        c(8, 8), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        c(8, 8), nn.ReLU(), up, c(8, 8), nn.ReLU(), up,
        c(8, 16, "valid"), nn.ReLU(), up, c(16, 1))
    return _loop(net, train, lambda model, xb: _recon(model(xb), xb, model_cfg))


class _VAE(nn.Module):
    def __init__(self, sizes: list[int], act: str):
        super().__init__()
        self.enc = nn.Sequential(*_dense(sizes[:-1], act), _ACT[act](),
                                 nn.Linear(sizes[-2], 2 * sizes[-1]))
        self.dec = nn.Sequential(*_dense(sizes[::-1], act))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean, logvar = self.enc(x).chunk(2, dim=1)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        return self.dec(z), mean, logvar


def vae(model_cfg: dict[str, Any], train: dict[str, Any], n_in: int) -> Epoch:
    """A dense VAE: mean and log-variance heads, reparameterised draw, recon + KL per sample."""
    net = _VAE([n_in, *model_cfg["hidden"]], model_cfg.get("activation", "relu"))
    beta = model_cfg.get("beta", 1.0)

    def loss(model: nn.Module, xb: torch.Tensor) -> torch.Tensor:
        out, mean, logvar = model(xb)
        kl = 0.5 * (logvar.exp() + mean ** 2 - 1 - logvar).sum(1).mean()
        return _recon(out, xb, model_cfg) + beta * kl

    return _loop(net, train, loss)


class _LSTMAE(nn.Module):
    def __init__(self, channels: int, hidden: int, code: int, steps: int):
        super().__init__()
        self.steps = steps
        self.enc, self.to_code = nn.LSTM(channels, hidden, batch_first=True), nn.Linear(hidden,
                                                                                       code)
        self.from_code = nn.Linear(code, hidden)
        self.dec, self.out = nn.LSTM(hidden, hidden, batch_first=True), nn.Linear(hidden,
                                                                                 channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.enc(x)
        z = self.to_code(h[-1])
        y, _ = self.dec(self.from_code(z).unsqueeze(1).repeat(1, self.steps, 1))
        return self.out(y)


def lstm(model_cfg: dict[str, Any], train: dict[str, Any], steps: int, channels: int) -> Epoch:
    """Seq2seq LSTM AE (Keras blog): x is (N, T, C); MSE on the linear output."""
    hidden, code = model_cfg["hidden"]
    net = _LSTMAE(channels, hidden, code, steps)
    return _loop(net, train, lambda model, xb: F.mse_loss(model(xb), xb))
