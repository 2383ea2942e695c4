"""Distributed data-parallel training under `torchrun` (DistributedDataParallel).

`fit()` calls `start()`: when torchrun launched the process (WORLD_SIZE > 1), it joins the process
group (gloo on CPU, nccl on CUDA with device cuda:LOCAL_RANK) and leaves it again in `close()`;
otherwise it returns a one-process context and nothing changes.

How the pieces fit:

- Training step. DDP synchronises gradients only for what runs inside the wrapped module's
  `forward()`, but models train through `training_loss(batch)`. `TrainingStep` is a small module
  whose `forward(batch)` returns the model's training loss plus the id penalty; DDP wraps it.
  `find_unused_parameters=True` because a step may leave parameters without a gradient (SEMA,
  β = 1, never runs the related task; the learned empty-history state is unused when no history
  in the batch is empty); DDP then marks them ready instead of waiting for them forever.
- Sampler. Every rank builds the same epoch batch list (it depends only on the seed and the epoch)
  with per-rank batches of `batch_size / world`, and takes `batches[rank::world]` after dropping
  the uneven tail, so every rank runs the same number of steps and one step of all ranks covers
  about `batch_size` ratings: the global batch of a one-process run.
- Validation. Each rank predicts `valid_rows[rank::world]`; the squared errors and counts are
  summed with `all_reduce`, so every rank sees the same RMSE and stops early at the same epoch.
- Files. Only rank 0 logs, shows progress, writes checkpoints and saves the bundle.
- Failures. Every collective waits at most `timeout` seconds (`--dist-timeout`); a rank whose step
  raises, or that waits longer for the others, ends with one line naming its rank and the step
  (`failure()`), and torchrun stops the other ranks. `joined()` keeps one process group for a whole
  command (a refit's two fits): joining a second group through the same rendezvous never returns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import torch
from torch import nn

from semax.errors import TrainingError

DEFAULT_TIMEOUT = 300.0  # seconds a rank waits for the others in any collective


def launched() -> bool:
    """True when torchrun (or an equivalent launcher) started more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def _initialized() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def rank() -> int:
    """This process's global rank (0 when not distributed); valid before and after `close()`."""
    if _initialized():
        return torch.distributed.get_rank()
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    if _initialized():
        return torch.distributed.get_world_size()
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main() -> bool:
    """Rank 0: the one process that logs and writes files."""
    return rank() == 0


class TrainingStep(nn.Module):
    """`forward(batch)` = the model's training loss + `l2_ids` x its id penalty, and the loss parts.

    DistributedDataParallel only hooks `forward()`; wrapping the loss in one makes DDP see (and
    all-reduce) every gradient of the step. Used unwrapped in a one-process run (same math)."""

    def __init__(self, model: nn.Module, l2_ids: float):
        super().__init__()
        self.model = model
        self.l2_ids = l2_ids

    def forward(self, batch):
        loss, parts = self.model.training_loss(batch)
        return loss + self.l2_ids * self.model.id_penalty(batch), parts


@dataclass
class Context:
    """Where this process stands: its rank, the world size and the device it trains on."""

    device: torch.device
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    backend: str = ""  # set when training inside a process group
    owns_group: bool = False  # this context initialised the process group (and destroys it)

    @property
    def active(self) -> bool:
        """Training inside a process group (DDP, sharded batches, all-reduced metrics); a group
        of one process (initialised by the caller) runs the same code path."""
        return bool(self.backend) or self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def comm_device(self) -> torch.device:
        """Collectives run on CUDA tensors with nccl, on CPU tensors with gloo."""
        return self.device if self.backend == "nccl" else torch.device("cpu")

    def local_batch_size(self, batch_size: int) -> int:
        """Per-rank batch size: the global `batch_size` split over the ranks."""
        if batch_size < self.world:
            raise ValueError(
                f"--batch-size {batch_size} is smaller than the number of processes {self.world}"
            )
        return batch_size // self.world

    def shard(self, batches: list) -> list:
        """This rank's share of a batch list every rank built the same way: `batches[rank::world]`
        after dropping the uneven tail, so every rank runs the same number of steps."""
        if not self.active:
            return batches
        usable = len(batches) // self.world * self.world
        return batches[self.rank : usable : self.world]

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """This rank's share of rows to predict (every row goes to exactly one rank)."""
        return rows[self.rank :: self.world] if self.active else rows

    def all_sum(self, values) -> np.ndarray:
        """Element-wise sum over the ranks (float64)."""
        t = torch.as_tensor(np.asarray(values, dtype=np.float64), device=self.comm_device)
        if self.active:
            torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.SUM)
        return t.cpu().numpy()

    def any(self, flag: bool) -> bool:
        """True on every rank when `flag` is true on any rank."""
        return bool(self.all_sum([float(flag)])[0] > 0) if self.active else bool(flag)

    def wrap(self, step: nn.Module) -> nn.Module:
        """DDP around the training step when distributed; the step itself otherwise."""
        if not self.active:
            return step
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(step, device_ids=device_ids, find_unused_parameters=True)

    def close(self) -> None:
        if self.owns_group and _initialized():
            torch.distributed.destroy_process_group()
            self.owns_group = False


def start(device: torch.device, timeout: float = DEFAULT_TIMEOUT) -> Context:
    """Join the torchrun process group when launched by it; a one-process context otherwise.

    `device` is the device picked for a one-process run: CUDA becomes cuda:LOCAL_RANK with the
    nccl backend, CPU uses gloo. A group someone else initialised is used as it is. `timeout`:
    seconds any collective may wait before it raises."""
    if not launched() and not _initialized():
        return Context(device=device)
    if not torch.distributed.is_available():
        raise RuntimeError("this PyTorch build has no torch.distributed")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank % max(torch.cuda.device_count(), 1))
        torch.cuda.set_device(device)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise ValueError(
            f"distributed training runs on cpu or cuda, not {device.type} (pass --device cpu)"
        )
    owns = False
    if not _initialized():
        torch.distributed.init_process_group(backend=backend, timeout=timedelta(seconds=timeout))
        owns = True
    else:
        backend = torch.distributed.get_backend()
    return Context(
        device=device,
        rank=torch.distributed.get_rank(),
        world=torch.distributed.get_world_size(),
        local_rank=local_rank,
        backend=backend,
        owns_group=owns,
    )


@contextmanager
def joined(device: torch.device, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Context]:
    """One process group for the whole block (every `fit` inside reuses it), left at its end."""
    ctx = start(device, timeout)
    try:
        yield ctx
    finally:
        ctx.close()


def failure(ctx: Context, exc: BaseException, where: str, timeout: float) -> TrainingError:
    """The one line a rank ends with when its step failed or the other ranks stopped answering."""
    if isinstance(exc, TrainingError):
        return exc
    text = " ".join(str(exc).split())[:300]
    head = f"rank {ctx.rank} of {ctx.world} stopped at {where}"
    if "timed out" in text.lower() or "timeout" in text.lower():
        return TrainingError(
            f"{head}: no answer from the other ranks within --dist-timeout {timeout:g} s "
            "(another rank failed, stopped or fell behind)"
        )
    if "connection" in text.lower() or "peer" in text.lower():
        return TrainingError(f"{head}: lost the connection to another rank (it failed or stopped)")
    return TrainingError(f"{head}: {type(exc).__name__}: {text}")
