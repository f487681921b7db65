"""Greedy layer-wise training (seed 000), three ways, all with the same parts and Trainer.

A stacked model with hidden sizes (h1, ..., hk) has k layer pairs (encoder layer i, mirrored
decoder layer i). Phase i trains pair i as a shallow autoencoder of the representation that
the frozen pairs before it produce:

- `separate`: a fresh shallow Autoencoder per phase, trained on the previous codes, whose
  weights are then copied into the stack (the seed's "one graph per autoencoder");
- `phases`: the shallow model *shares* pair i's layers with the stack, and the frozen earlier
  layers run on every batch (the seed's one graph with per-phase training ops);
- `cached`: as `phases`, but the frozen layers' outputs are computed once and reused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from aekit.config import ModelConfig, TrainConfig, replace
from aekit.errors import AekitError
from aekit.model import Autoencoder
from aekit.parts.blocks import activation, latent_name
from aekit.train.callbacks import Callback
from aekit.train.trainer import Trainer

STRATEGIES = ("separate", "phases", "cached")


def check_greedy(config: ModelConfig, strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise AekitError(f"--greedy: expected one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if config.arch not in ("stacked", "linear"):
        raise AekitError(f"--greedy: layer-wise training needs a dense stack (stacked or "
                         f"linear), got --model {config.arch}")
    if latent_name(config).startswith("gaussian"):
        raise AekitError(f"--greedy: layer-wise training needs a deterministic code, but "
                         f"--latent {latent_name(config)} samples it; train it end to end")
    if len(config.hidden) < 2:
        raise AekitError(f"--greedy: the model has a single hidden layer "
                         f"(--hidden {config.hidden[0]}), so there are no layers to train one "
                         "at a time; give at least two, e.g. --hidden 300,150")


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def _shallow_config(config: ModelConfig, phase: int) -> ModelConfig:
    """Pair `phase` as its own autoencoder; inner pairs reconstruct activations, with MSE."""
    sizes = [int(np.prod(config.input_shape)), *config.hidden]
    outer = phase == 0
    return replace(config, input_shape=list(config.input_shape) if outer else [sizes[phase]],
                   hidden=[sizes[phase + 1]], output=config.output if outer else "none",
                   loss=config.loss if outer else "mse",
                   code_activation=config.code_activation if phase == len(config.hidden) - 1
                   else None, noise=None, sparsity=None,
                   contractive=0.0, k_sparse=None, k_sparse_lifetime=None)


def planned_epochs(config: TrainConfig, model_config: ModelConfig) -> int:
    """The loop's last epoch: greedy phases (one per layer pair) plus fine-tuning, or --epochs."""
    if not config.greedy:
        return config.epochs
    per_phase = config.greedy_epochs or config.epochs
    return len(model_config.hidden) * per_phase + config.fine_tune_epochs


def greedy_pretrain(trainer: Trainer, x_train: np.ndarray, x_val: np.ndarray,
                    callbacks: Sequence[Callback] = ()) -> list[dict[str, Any]]:
    """Train `trainer.model`'s layer pairs one at a time, then leave `trainer` ready to
    fine-tune the whole stack: its history holds the phases' records and its epoch count
    includes them. Returns the phases' history.

    The Trainer's epoch budget is its own config's: to fine-tune for `fine_tune_epochs` after
    the phases, build it with `epochs=planned_epochs(config, model.config)` (as runs do).

    `callbacks` (progress and the user's own) are given to each phase's Trainer, whose `model`
    is that phase's shallow AE.
    """
    model, config = trainer.model, trainer.config
    strategy = config.greedy or "cached"
    check_greedy(model.config, strategy)
    phase_config = replace(config, epochs=config.greedy_epochs or config.epochs)
    encoders, decoders = _linears(model.encoder), _linears(model.decoder)[::-1]
    act = model.config.activation if model.config.arch == "stacked" else "none"
    history: list[dict[str, Any]] = []
    for phase in range(len(encoders)):
        shallow = Autoencoder(_shallow_config(model.config, phase))
        prefix = _frozen_prefix(encoders[:phase], act)
        if strategy != "separate":  # share the stack's layers instead of copying them after
            shallow.encoder[1], shallow.decoder[0] = encoders[phase], decoders[phase]
            if phase:
                shallow.output_activation = activation(act)
        phase_trainer = Trainer(shallow, phase_config, callbacks, device=trainer.device)
        per_batch = strategy == "phases"
        train_in = x_train if per_batch else _apply(prefix, x_train, trainer.device)
        val_in = _apply(prefix, x_val, trainer.device)
        phase_trainer.fit(train_in, val_in, transform=prefix if per_batch else None)
        if strategy == "separate":
            for source, target in ((_linears(shallow.encoder)[0], encoders[phase]),
                                   (_linears(shallow.decoder)[0], decoders[phase])):
                target.load_state_dict(source.state_dict())
        for record in phase_trainer.history:
            history.append({**record, "epoch": len(history) + 1,
                            "phase": f"greedy {phase + 1}/{len(encoders)}"})
    trainer.history, trainer.epoch = history, len(history)
    return history


def _frozen_prefix(layers: list[nn.Linear], act: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """What the frozen earlier layers make of a batch: flatten, then layer + activation each."""
    act_module = activation(act)

    def prefix(x: torch.Tensor) -> torch.Tensor:
        if not layers:
            return x
        h = x.flatten(1)
        with torch.no_grad():
            for layer in layers:
                h = act_module(layer(h))
        return h

    return prefix


def _apply(prefix: Callable[[torch.Tensor], torch.Tensor], x: np.ndarray,
           device: torch.device, batch: int = 8192) -> torch.Tensor:
    x_t = torch.as_tensor(x, dtype=torch.float32)
    parts = [prefix(x_t[i:i + batch].to(device)) for i in range(0, len(x_t), batch)]
    return torch.cat(parts) if parts else x_t.to(device)
