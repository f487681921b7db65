"""Data-parallel training under torchrun: one process per rank, DistributedDataParallel.

torchrun (torch.distributed.run) starts the processes and sets RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR and MASTER_PORT; this module only reads that environment, joins the process group
(gloo on CPU, nccl on GPU) and offers the few collective helpers the loop needs. Without those
variables everything here is a no-op, so single-process code pays nothing. aekit never starts
processes itself: `aekit train --nproc N` replaces itself with torchrun.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from aekit.errors import AekitError


@dataclass(frozen=True)
class World:
    """This process's place among the ranks torchrun started."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0


def world() -> World:
    """The torchrun environment (RANK, WORLD_SIZE, LOCAL_RANK), or one rank without it."""
    try:
        return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                     int(os.environ.get("LOCAL_RANK", 0)))
    except ValueError:
        raise AekitError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (set by torchrun)"
                         ) from None


def is_distributed() -> bool:
    return world().size > 1


def is_main() -> bool:
    """Rank 0 alone writes files and prints."""
    return world().rank == 0


def init(device: torch.device) -> World:
    """Join the process group once (gloo for CPU tensors, nccl for CUDA); returns this rank."""
    here = world()
    if here.size > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(here.local_rank)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return here


def rank_device(device: torch.device) -> torch.device:
    """Each rank of a node gets its own GPU (cuda:LOCAL_RANK); CPU ranks share the CPU."""
    if device.type == "cuda" and is_distributed():
        return torch.device("cuda", world().local_rank)
    return device


def wrap(model: nn.Module, device: torch.device) -> nn.Module:
    """The module the loop calls: DistributedDataParallel across ranks, else the model itself.

    DDP broadcasts rank 0's weights on construction and averages gradients in backward, so every
    rank holds the same weights after every step.
    """
    if not is_distributed():
        return model
    init(device)
    ids = [device.index] if device.type == "cuda" else None
    # parameters only the model's own extra step trains (the AAE's discriminator) take no part
    # in the loss's graph: DDP would wait for their gradients and let the optimizer step on
    # unaveraged ones. It is told to leave them alone (the attribute its own
    # _set_params_and_buffers_to_ignore_for_model sets); they start equal on every rank, and
    # the extra step averages their gradients itself.
    extra = list(getattr(model, "extra_parameters", list)())
    if extra:
        own = {id(p) for p in extra}
        model._ddp_params_and_buffers_to_ignore = [
            name for name, p in model.named_parameters() if id(p) in own]
        for p in extra:
            dist.broadcast(p.data, 0)
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def unwrap(model: nn.Module) -> nn.Module:
    """The plain model inside a DDP wrapper (whose state_dict keys carry `module.`)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum of `tensor` over ranks (in place; returned for chaining); itself on one rank."""
    if dist.is_initialized():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def barrier() -> None:
    """Wait until every rank gets here (e.g. until rank 0 has written the run directory)."""
    if dist.is_initialized():
        dist.barrier()


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def torchrun_argv(nproc: int, argv: list[str]) -> list[str]:
    """The torchrun command that runs `aekit ARGV` on `nproc` local ranks (one node)."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc-per-node={nproc}", "-m", "aekit", *argv]


def exec_torchrun(nproc: int, argv: list[str]) -> None:
    """Replace this process with torchrun (never returns); one thread per rank by default."""
    if is_distributed():
        raise AekitError("--nproc: already running under torchrun; drop --nproc")
    command = torchrun_argv(nproc, argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
