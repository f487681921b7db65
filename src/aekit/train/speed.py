"""Speed options of the training step, kept apart from the loop so it stays one screen.

Each option exists because `python -m benchmarks` measured it (figures in the README's Speed
section):

- the L2 penalty's gradient `l2 * W` is applied by the optimizer as coupled weight decay (same
  maths: Adam, SGD, RMSprop and Adadelta all add `weight_decay * W` to the gradient before
  using it), so autograd no longer builds and differentiates `sum(W**2)` every step; the
  penalty's *value* is still computed (without a graph) so reported losses are unchanged.
  Not done with `--clip-grad`, which clips the gradient *with* the penalty in it.
- `precision="bf16"`: autocast of the forward pass; on CPUs with AMX/AVX512-BF16 and on GPUs.
- `compile=True`: torch.compile of the forward and backward; pays only for long runs (the
  first step compiles for tens of seconds).
- `threads`: torch's intra-op thread count for the run; when none is given, `aekit.threads`'
  rule chooses it from the FLOPs of a step (`step_flops`, counted on the first batch) and the
  cores free.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from aekit import threads
from aekit.config import TrainConfig
from aekit.device import autocast

FOLDED = "folded_penalty"
"""Key of the optimizer parameter group whose weight decay stands in for a penalty's gradient;
kept in the optimizer (and so in checkpoints), the one place that says the fold is active."""


COUPLED_DECAY = ("adam", "sgd", "rmsprop", "adadelta")
"""Optimizers whose weight decay adds `decay * W` to the gradient (AdamW's decays the weights
apart from the gradient, so an L2 penalty stays in its loss)."""


def param_groups(model: nn.Module, config: TrainConfig) -> list[dict[str, Any]]:
    """The optimizer's parameter groups: weight matrices carry the L2 penalty as weight decay
    when that is the same maths, everything else (biases) has none."""
    params = list(model.parameters())
    l2 = getattr(getattr(model, "config", None), "l2", 0.0)
    foldable = ("l2" in getattr(model, "folded_penalties", {}) and config.clip_grad is None
                and config.optimizer in COUPLED_DECAY)
    if not (foldable and l2 > 0):
        return [{"params": params}]
    weights = {id(p) for p in model.weight_matrices()}
    return [{"params": [p for p in params if id(p) in weights], "weight_decay": l2,
             FOLDED: "l2"},
            {"params": [p for p in params if id(p) not in weights]}]


@contextlib.contextmanager
def applied(model: nn.Module, optimizer: torch.optim.Optimizer) -> Iterator[None]:
    """While training: the model leaves the folded penalties' gradients to the optimizer, and
    the thread count `use_threads` sets is in force; both are restored afterwards, so the model
    used outside `fit` differentiates its whole loss, with the caller's threads."""
    folded = {g[FOLDED] for g in optimizer.param_groups if FOLDED in g}
    count = torch.get_num_threads()
    switch = hasattr(model, "folded_penalties")
    if switch:
        model.folded_penalties = {name: name in folded for name in model.folded_penalties}
    try:
        yield
    finally:
        torch.set_num_threads(count)
        if switch:
            model.folded_penalties = dict.fromkeys(model.folded_penalties, False)


def use_threads(model: nn.Module, config: TrainConfig, xb: torch.Tensor,
                yb: torch.Tensor | None) -> threads.Threads:
    """Set torch's threads for training on batches like `xb`: `config.threads`, else the
    process's choice, else the rule on the step's FLOPs (not counted when compiled: the
    compiled graph is not what the counter sees)."""
    measure = None if config.compile else (lambda: step_flops(model, xb, yb))
    chosen = threads.chosen(config.threads, measure)
    torch.set_num_threads(chosen.count)
    return chosen


def step_flops(model: nn.Module, xb: torch.Tensor, yb: torch.Tensor | None) -> float:
    """FLOPs of one training step on the batch `xb` (and labels `yb`): three times those of
    a forward pass (the backward pass costs about twice the forward). The pass runs in eval
    mode, without gradients, on a forked random state, so training is left exactly as it was
    (no batch-norm statistics updated, no random numbers drawn)."""
    training = model.training
    with torch.random.fork_rng(devices=[]), torch.no_grad(), \
            FlopCounterMode(display=False) as counter:
        model.eval()
        try:
            model(xb) if yb is None else model(xb, yb)
        finally:
            model.train(training)
    return 3.0 * counter.get_total_flops()


def forward_step(model: nn.Module, config: TrainConfig, device: torch.device
                 ) -> Callable[..., Any]:
    """What the loop calls for a batch: the model, compiled and under autocast as configured.

    The compiled module is a separate callable, so `trainer.model` (saved, checkpointed) keeps
    its own state_dict keys.
    """
    run = torch.compile(model) if config.compile else model
    if config.precision == "fp32":
        return run

    def autocast_run(*args: Any) -> Any:
        with autocast(device.type, config.precision):
            return run(*args)

    return autocast_run
