"""Independent LSTM calls run at once on CPU threads, forward and backward.

A training batch runs the review LSTM over about six length spans (`semax.length_spans`); each
span's forward and backward is one oneDNN call of a few milliseconds, independent of the others.
`lstms` runs them on `threads()` worker threads at once, and their backward too (CPU autograd
runs concurrent `torch.autograd.grad` calls concurrently). Each worker does its calls on a single
thread (intra-op 1): unlike torch's intra-op threads, whose parallel regions all wait at a barrier
for a descheduled thread, a worker that loses its core beside a busy process delays only its own
span. Measured on 2 cores: 2 workers ran the spans' LSTM calls 1.7x faster than 1 when idle
(1.46x inside training, whose epoch, half of it other work on one thread, gains 1.15-1.18x),
and training beside a busy process at 0.87-1.00 of its in-order rate (`benchmarks/train_speed.py`).

The result equals the calls made in order, up to the order in which a parameter's gradients from
several spans are summed (a fixed order here, so runs repeat exactly).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import torch
import torch.nn as nn

_pools: dict[int, ThreadPoolExecutor] = {}  # one per thread count, made when first used
_lock = threading.Lock()
_local = threading.local()  # the count is per calling thread, as torch's grad mode


def threads() -> int:
    """Worker threads `lstms` uses when called from this thread (1, the default: every call in
    order on this thread). Per thread: a training job in the app sets its own, not the queries'."""
    return getattr(_local, "threads", 1)


def set_threads(n: int) -> None:
    if n < 1:
        raise ValueError(f"threads must be at least 1, not {n}")
    _local.threads = int(n)


@contextmanager
def using(n: int):
    """`set_threads(n)` for the block, then back to what it was."""
    before = threads()
    set_threads(n)
    try:
        yield
    finally:
        set_threads(before)


def _one_thread() -> None:
    torch.set_num_threads(1)  # OpenMP's thread count is per thread: each worker's ops stay serial


def _pool(n: int) -> ThreadPoolExecutor:
    with _lock:
        if n not in _pools:
            _pools[n] = ThreadPoolExecutor(n, f"semax-lstm-{n}", initializer=_one_thread)
        return _pools[n]


def _at_once(fn, items: Sequence) -> list:
    return list(_pool(threads()).map(fn, items))


def lstms(calls: Sequence[tuple[nn.LSTM, torch.Tensor]]) -> list[torch.Tensor]:
    """[lstm(x)[0] for lstm, x in calls]: the output states of each call. On `threads()` > 1
    CPU workers when there are several calls on the CPU and torch itself runs one thread (so
    that no two kinds of parallelism compete); in order otherwise."""
    on_cpu = all(x.device.type == "cpu" for _, x in calls)
    if threads() < 2 or len(calls) < 2 or not on_cpu or torch.get_num_threads() != 1:
        return [lstm(x)[0] for lstm, x in calls]
    tensors = [x for _, x in calls] + _params(calls)
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return list(_AtOnce.apply(calls, *tensors))
    inference = torch.is_inference_mode_enabled()

    def run(call):  # grad and inference modes are per thread: the caller's hold here too
        with torch.inference_mode(inference), torch.no_grad():
            return call[0](call[1])[0]

    return _at_once(run, calls)


def _params(calls) -> list[nn.Parameter]:
    seen: dict[int, nn.Parameter] = {}
    for lstm, _ in calls:
        for p in lstm.parameters():
            seen.setdefault(id(p), p)
    return list(seen.values())


class _AtOnce(torch.autograd.Function):
    """Inputs (calls, x_1..x_n, parameters); outputs the n calls' states. Forward keeps each
    call's own autograd graph (from a detached copy of its input); backward differentiates those
    graphs at once and returns the summed gradients."""

    @staticmethod
    def forward(ctx, calls, *tensors):
        n = len(calls)
        xs = [x.detach().requires_grad_(x.requires_grad) for x in tensors[:n]]

        def run(i: int) -> torch.Tensor:
            with torch.enable_grad():
                return calls[i][0](xs[i])[0]

        outs = _at_once(run, range(n))
        ctx.graphs = (calls, xs, outs, tensors[n:])
        return tuple(out.detach() for out in outs)

    @staticmethod
    def backward(ctx, *grads):
        calls, xs, outs, params = ctx.graphs
        ctx.graphs = None  # the graphs are freed with their gradients

        def grad(i: int) -> tuple:
            mine = [p for p in calls[i][0].parameters() if p.requires_grad]
            wrt = ([xs[i]] if xs[i].requires_grad else []) + mine
            got = list(torch.autograd.grad(outs[i], wrt, grads[i], allow_unused=True))
            x_grad = got.pop(0) if xs[i].requires_grad else None
            return x_grad, dict(zip(map(id, mine), got, strict=True))

        results = _at_once(grad, range(len(calls)))
        summed: dict[int, torch.Tensor] = {}
        for _, by_param in reversed(results):  # last call first: the order of autograd in order
            for key, g in by_param.items():
                if g is not None:
                    summed[key] = g if key not in summed else summed[key] + g
        return (None, *(x_grad for x_grad, _ in results), *(summed.get(id(p)) for p in params))
