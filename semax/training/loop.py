"""One training loop for every model (SEMAX, SEMA and the baselines).

A model plugs in with three members: `batch_spec` (which inputs it reads), `training_loss(batch)`
(loss tensor and a dict of float parts) and `predict(batch)` (ratings, eval mode). The loop does
the rest: Adam (or the paper's SGD), early stopping on validation RMSE with the best weights
restored, repeatable seeds, device choice, bf16 autocast on CUDA, gradient clipping, a NaN/inf
guard, checkpoints that resume exactly (Ctrl-C saves one), a tqdm bar and a callback for the app.

Under `torchrun` the same loop trains data-parallel (`semax.training.distributed`): DDP over the training
step, each rank a shard of the same epoch batch list (global batch = `batch_size`), validation
errors summed over the ranks, and only rank 0 logging and writing checkpoints.
"""

from __future__ import annotations

import copy
import math
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from semax.data.dataset import ReviewData
from semax.errors import TrainingError
from semax.models import parallel
from semax.models.base import UNKNOWN_ID, Batch
from semax.models.rolling_bias import causal_bases
from semax.training import distributed
from semax.training.batching import make_batch, random_batches, timeline_batches
from semax.training.evaluate import correlation

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainConfig:
    """Optimisation settings (the model's own hyperparameters live in its config)."""

    epochs: int = field(
        default=12,
        metadata={"help": "maximum epochs (early stopping on validation RMSE)", "min": 1},
    )
    batch_size: int = field(
        default=128,
        metadata={"help": "ratings per step (the global batch under torchrun)", "min": 1},
    )
    lr: float = field(default=1e-3, metadata={"help": "learning rate", "positive": True})
    optimizer: str = field(
        default="adam", metadata={"help": "sgd is the paper's choice", "choices": ("adam", "sgd")}
    )
    momentum: float = 0.9  # SGD only
    l2_ids: float = field(default=1e-2, metadata={"help": "L2 on the id factors and biases"})
    bias_lr_scale: float = (
        1.0  # learning-rate multiplier for user/item bias tables (user_bias, item_bias)
    )
    unknown_rate: float = field(
        default=0.1, metadata={"help": "share of ids hidden as unknown in training"}
    )
    patience: int = field(
        default=2,
        metadata={"help": "epochs without validation improvement before stopping", "min": 1},
    )
    warmup: int = field(
        default=6,
        metadata={
            "help": "first epochs that train the related task alone (SEMAX: its text reader "
            "learns before early stopping on r_uv can end training); they count as epochs, and "
            "the last of them is kept when no joint epoch betters r_uv",
            "min": 0,
        },
    )
    read_floor: float = field(
        default=0.1,
        metadata={
            "help": "the warm-up goes on, epoch by epoch, while r_y's validation correlation with "
            "the stars is below this (the related task reads nothing yet), leaving at least one "
            "joint epoch; 0: no floor",
            "min": 0,
        },
    )
    read_gain: float = field(
        default=0.03,
        metadata={
            "help": "the warm-up also goes on while its last epoch raised r_y's validation "
            "correlation by more than this (the reader is still learning); 0: no such check",
            "min": 0,
        },
    )
    clip: float = 5.0  # gradient norm clipping (0 = off)
    batching: str = field(
        default="timeline",
        metadata={
            "help": "batches along shared item timelines, or random",
            "choices": ("timeline", "random"),
        },
    )
    device: str = field(
        default="auto",
        metadata={
            "help": "auto: CUDA, then MPS, then CPU",
            "choices": ("auto", "cpu", "cuda", "mps"),
        },
    )
    amp: bool = True  # bf16 autocast on CUDA
    dist_timeout: float = field(
        default=distributed.DEFAULT_TIMEOUT,
        metadata={
            "help": "under torchrun: seconds a rank waits for the others before the whole run "
            "ends with an error naming the rank and the step",
            "positive": True,
        },
    )
    seed: int = field(default=0, metadata={"help": "random seed"})
    eval_batch_size: int = 1024
    threads: int = field(
        default=1,
        metadata={
            "help": "torch threads while training (0: torch's own choice); one stays fast on a "
            "busy machine, where two threads over many tiny D=32 operations wait on each other",
            "min": 0,
        },
    )

    encoder_threads: int = field(
        default=2,
        metadata={
            "help": "threads that run the review LSTM's length spans at once, each op on one "
            "thread (with --threads 1): 1.15-1.3x faster epochs on 2 idle cores, about as fast as "
            "in order beside a busy process; 1 runs them in order",
            "min": 1,
        },
    )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    history: list[dict] = field(default_factory=list)  # one row per epoch
    best_epoch: int = 0
    best_valid_rmse: float = math.inf
    seconds: float = 0.0
    stopped: str = "epochs"  # epochs, early, cancelled
    warmup: int = 0  # warm-up epochs run (`warmup`, or more when the reader read nothing yet)
    test_predictions: np.ndarray | None = None  # set by pipeline.train


def pick_device(name: str = "auto") -> torch.device:
    """`auto`: CUDA, then Apple MPS, then CPU."""
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)


def hide_ids(batch: Batch, rate: float, gen: torch.Generator) -> Batch:
    """Replace user and item ids by the unknown id at `rate`, so the unknown factor is trained."""
    if rate <= 0:
        return batch
    for name in ("user", "item"):
        ids = getattr(batch, name)
        drop = torch.rand(ids.shape, generator=gen) < rate
        setattr(batch, name, torch.where(drop, torch.full_like(ids, UNKNOWN_ID), ids))
    return batch


def rating_bases_apply(model) -> bool:
    """A `causal` or `rolling` base, once solved (its lams set): batches carry each rating's
    base; before the solve the model's own bias tables serve."""
    cfg = model.cfg
    return getattr(cfg, "base", "") in ("causal", "rolling") and cfg.bias_reg_user is not None


def with_bases(model, data: ReviewData, build: Callable) -> Callable[[np.ndarray, bool], Batch]:
    """`build(rows, training)` with each rating's base as known before it (`batch.base`) where
    the model's base is causal or rolling. The bases are computed at the first batch, so a
    batcher made before the base is solved (the grid's ablations) still carries them."""
    bases: list = []

    def wrapped(rows: np.ndarray, training: bool) -> Batch:
        batch = build(rows, training)
        if not bases:
            apply = rating_bases_apply(model)
            bases.append(
                torch.from_numpy(causal_bases(model, data).astype(np.float32)) if apply else None
            )
        if bases[0] is not None:
            batch.base = bases[0][torch.from_numpy(np.asarray(rows))]
        return batch

    return wrapped


def batch_builder(model, data: ReviewData) -> Callable[[np.ndarray, bool], Batch]:
    """The model's own batcher when it has one; else unique-review batches with what it reads."""
    if callable(getattr(model, "batcher", None)):
        return model.batcher(data)
    spec = model.batch_spec

    def build(rows: np.ndarray, training: bool) -> Batch:
        target = training and spec.get("target_text", False)
        return make_batch(data, rows, target_text=target, one_pass=spec.get("one_pass", False))

    return with_bases(model, data, build)


@torch.no_grad()
def _in_eval(model, rows: np.ndarray, batch_size: int, predict) -> np.ndarray:
    """`predict(chunk of rows)` over `rows` in chunks, in eval mode (the mode restored after)."""
    was_training = model.training
    model.eval()
    preds = [
        predict(rows[i : i + batch_size]).float().cpu() for i in range(0, len(rows), batch_size)
    ]
    model.train(was_training)
    return torch.cat(preds).numpy() if preds else np.zeros(0, dtype=np.float32)


def predict_rows(
    model, data: ReviewData, rows: np.ndarray, batch_size: int = 1024, batcher=None, device=None
) -> np.ndarray:
    """Predicted ratings r_uv for `rows`, in eval mode, chunked."""
    batcher = batcher or batch_builder(model, data)
    device = device or next(model.parameters()).device
    return _in_eval(model, rows, batch_size, lambda r: model.predict(batcher(r, False).to(device)))


def related_rows(model, data: ReviewData, rows: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The related task's r_y for `rows`, each review's own text with its own user and item (a
    model with a related task: SEMAX), in eval mode, chunked."""
    device = next(model.parameters()).device

    def relate(chunk: np.ndarray) -> torch.Tensor:
        batch = make_batch(data, chunk, target_text=True).to(device)
        u, v = model.factors(batch.user, batch.item)
        return model.relate(batch.target_tokens, batch.target_lengths, u, v)[0]

    return _in_eval(model, rows, batch_size, relate)


def _checks_reading(cfg: TrainConfig) -> bool:
    return cfg.read_floor > 0 or cfg.read_gain > 0


def warm_longer(corr: float, before: float, cfg: TrainConfig) -> bool:
    """Whether a warm-up that has run its epochs goes on: r_y's validation correlation `corr`
    (`before`: one epoch earlier; 0 for an untrained reader) is below `read_floor`, or rose by
    more than `read_gain` in the last epoch."""
    return corr < cfg.read_floor or (cfg.read_gain > 0 and corr - before > cfg.read_gain)


def _reads(model, data: ReviewData, rows: np.ndarray, cfg: TrainConfig) -> float:
    """r_y's correlation with the stars of the validation `rows` (every rank the same rows and
    weights, so the same value)."""
    return correlation(related_rows(model, data, rows, cfg.eval_batch_size), data.rating[rows])


def rmse(pred: np.ndarray, target: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred, dtype=np.float64) - target) ** 2)))


def make_optimizer(model, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam or SGD; the user/item bias tables may learn faster (`bias_lr_scale`): alone they
    converge at about 10x the rate the text layers need."""
    biases = [
        p for n, p in model.named_parameters() if n.split(".")[0] in ("user_bias", "item_bias")
    ]
    ids = {id(p) for p in biases}
    rest = [p for p in model.parameters() if id(p) not in ids]
    groups = [{"params": rest}] + (
        [{"params": biases, "lr": cfg.lr * cfg.bias_lr_scale}] if biases else []
    )
    if cfg.optimizer == "adam":  # fused: one kernel for all tensors (5x faster on CPU here)
        fused = all(p.device.type in ("cpu", "cuda") for p in model.parameters())
        return torch.optim.Adam(groups, lr=cfg.lr, fused=fused)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum)
    raise ValueError(f"unknown optimizer {cfg.optimizer!r} (adam or sgd)")


def _epoch_batches(
    data: ReviewData, rows: np.ndarray, cfg: TrainConfig, epoch: int
) -> list[np.ndarray]:
    """The batch order of an epoch depends only on (seed, epoch): resuming replays it exactly."""
    rng = np.random.default_rng([cfg.seed, epoch])
    if cfg.batching == "timeline":
        return list(timeline_batches(data, rows, cfg.batch_size, rng))
    if cfg.batching == "random":
        return list(random_batches(rows, cfg.batch_size, rng))
    raise ValueError(f"unknown batching {cfg.batching!r} (timeline or random)")


def _valid_rmse(model, data: ReviewData, rows: np.ndarray, cfg: TrainConfig, batcher, device, ctx):
    """Validation RMSE; distributed, each rank predicts its share and the errors are summed."""
    if not len(rows):
        return math.nan
    if not ctx.active:
        pred = predict_rows(model, data, rows, cfg.eval_batch_size, batcher, device)
        return rmse(pred, data.rating[rows])
    mine = ctx.rows(rows)
    pred = predict_rows(model, data, mine, cfg.eval_batch_size, batcher, device)
    diff = np.asarray(pred, dtype=np.float64) - data.rating[mine]
    sse, n = ctx.all_sum([float(np.sum(diff**2)), len(mine)])
    return float(np.sqrt(sse / n))


def _save_checkpoint(
    path: Path,
    model,
    opt,
    epoch: int,
    step: int,
    result: TrainResult,
    best_state,
    world: int = 1,
    rng: dict | None = None,
) -> None:
    """`rng`: mid-epoch, the random states (dropout, hidden ids) the epoch goes on from."""
    state = {
        "rng": rng or {},
        "world": world,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": epoch,
        "step": step,
        "best_state": best_state,
        "best_epoch": result.best_epoch,
        "best_valid_rmse": result.best_valid_rmse,
        "history": result.history,
        "warmup": result.warmup,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


@contextmanager
def training_threads(cfg: TrainConfig):
    """torch's threads (`cfg.threads`; 0: torch's own) and the encoder threads training runs on,
    for the block; torch's count is restored after."""
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        with parallel.using(cfg.encoder_threads):
            yield
    finally:
        torch.set_num_threads(threads)


def fit(
    model,
    data: ReviewData,
    cfg: TrainConfig | None = None,
    out_dir: str | Path | None = None,
    resume: bool = False,
    callback: Callable[[dict], bool | None] | None = None,
    batcher: Callable[[np.ndarray, bool], Batch] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train `model` on the fitting split, early-stopping on the validation split.

    callback(event) gets dicts with `event` in {"step", "epoch"}; returning True cancels.
    With `out_dir`, a checkpoint is written after every epoch and on Ctrl-C or a NaN loss;
    `resume=True` continues from it exactly where it stopped.

    Launched by torchrun (WORLD_SIZE > 1) it trains data-parallel: see `semax.training.distributed`.
    """
    cfg = cfg or TrainConfig()
    seed_everything(cfg.seed)
    with training_threads(cfg):
        ctx = distributed.start(pick_device(cfg.device), cfg.dist_timeout)
        try:
            return _fit(model, data, cfg, ctx, out_dir, resume, callback, batcher, progress)
        finally:
            ctx.close()


def _fit(model, data, cfg, ctx, out_dir, resume, callback, batcher, progress) -> TrainResult:
    device = ctx.device
    model.to(device)
    batcher = batcher or batch_builder(model, data)
    opt = make_optimizer(model, cfg)
    result = TrainResult()
    fit_rows, valid_rows = data.fit_rows, data.valid_rows
    ckpt = Path(out_dir) / CHECKPOINT if out_dir else None
    save_ckpt = bool(ckpt) and ctx.main  # only rank 0 writes files
    if save_ckpt:
        ckpt.parent.mkdir(parents=True, exist_ok=True)
    start_epoch, start_step, best_state, rng = 0, 0, None, {}
    if resume and ckpt and ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        start_epoch, start_step, best_state = state["epoch"], state["step"], state["best_state"]
        rng = state.get("rng") or {}
        result.history, result.best_epoch, result.best_valid_rmse = (
            state["history"],
            state["best_epoch"],
            state["best_valid_rmse"],
        )
        result.warmup = state.get("warmup", 0)
        if start_step and state.get("world", 1) != ctx.world:
            start_step = 0  # the mid-epoch position belongs to another world size: redo the epoch
    progress = progress and ctx.main
    local_cfg = replace(cfg, batch_size=ctx.local_batch_size(cfg.batch_size)) if ctx.active else cfg
    trainer = ctx.wrap(distributed.TrainingStep(model, cfg.l2_ids))
    # warm-up epochs: a model with `warm_up` (SEMAX: its related task alone first)
    warmup = cfg.warmup if getattr(model, "warms_up", False) else 0
    warmup = max(warmup, result.warmup)  # a resumed run keeps its extended warm-up
    result.warmup = warmup
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if device.type == "cuda" and cfg.amp
        else nullcontext()
    )
    t0 = time.perf_counter()
    epoch = start_epoch
    done = start_step
    bad_epochs = sum(1 for row in result.history if row["epoch"] > result.best_epoch)
    where = f"epoch {start_epoch + 1}"  # named by the error line of a failed rank
    try:
        for epoch in range(start_epoch, cfg.epochs):
            batches = ctx.shard(_epoch_batches(data, fit_rows, local_cfg, epoch))
            epoch_seed = (cfg.seed * 100_003 + epoch) * ctx.world + ctx.rank
            gen = torch.Generator().manual_seed(epoch_seed)
            torch.manual_seed(epoch_seed)
            if epoch == start_epoch and start_step and rng:  # go on with the epoch's own draws
                torch.set_rng_state(rng["torch"].cpu())
                gen.set_state(rng["ids"].cpu())
            model.train()
            if warmup:
                model.warm_up(epoch < warmup)
            total, seen, t_epoch = 0.0, 0, time.perf_counter()
            first = done = start_step if epoch == start_epoch else 0
            bar = tqdm(
                total=len(batches),
                initial=first,
                desc=f"epoch {epoch + 1}/{cfg.epochs}",
                disable=None if progress else True,  # None: off when stderr is no terminal
                file=sys.stderr,
                leave=False,
            )
            for step in range(first, len(batches)):
                where = f"epoch {epoch + 1}, step {step + 1}"
                rows = batches[step]
                batch = hide_ids(batcher(rows, True), cfg.unknown_rate, gen).to(device)
                with autocast:
                    loss, parts = trainer(batch)
                if ctx.any(not torch.isfinite(loss)):  # every rank stops together
                    raise TrainingError(
                        f"loss became {loss.item()} at epoch {epoch + 1}, step {step + 1}"
                        + (f" on rank {ctx.rank}" if ctx.active else "")
                        + "; "
                        + (
                            f"last good checkpoint kept in {ckpt}"
                            if ckpt and ckpt.exists()
                            else "no checkpoint written"
                        )
                        + " (try a lower --lr)"
                    )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
                opt.step()
                done = step + 1
                total += parts["loss"] * len(rows)
                seen += len(rows)
                rate = seen / max(time.perf_counter() - t_epoch, 1e-9)
                bar.update(1)
                bar.set_postfix(loss=f"{total / seen:.4f}", ratings_s=f"{rate:,.0f}")
                if callback and ctx.any(
                    ctx.main
                    and bool(
                        callback(
                            {
                                "event": "step",
                                "epoch": epoch,
                                "step": step + 1,
                                "steps": len(batches),
                                "loss": total / seen,
                                "ratings_s": rate,
                            }
                        )
                    )
                ):
                    result.stopped = "cancelled"
                    break
            bar.close()
            if result.stopped == "cancelled":
                break
            where = f"epoch {epoch + 1}, validation"
            if ctx.active:  # the training loss over every rank's ratings
                total, seen = ctx.all_sum([total, seen])
            valid_rmse = _valid_rmse(model, data, valid_rows, cfg, batcher, device, ctx)
            row = {
                "epoch": epoch + 1,
                "train_loss": total / max(seen, 1),
                "valid_rmse": valid_rmse,
                "seconds": time.perf_counter() - t_epoch,
            }
            if warmup - 1 <= epoch + 1 <= warmup and len(valid_rows) and _checks_reading(cfg):
                row["r_y_valid_corr"] = _reads(model, data, valid_rows, cfg)
                before = result.history[-1].get("r_y_valid_corr", 0.0) if result.history else 0.0
                longer = epoch + 1 == warmup and epoch + 2 < cfg.epochs  # one joint epoch kept
                if longer and ctx.any(warm_longer(row["r_y_valid_corr"], before, cfg)):
                    warmup = result.warmup = warmup + 1
                    if progress:
                        print(
                            f"epoch {epoch + 1}: r_y's validation correlation "
                            f"{before:.3f} -> {row['r_y_valid_corr']:.3f}: the reader reads nothing "
                            "yet or is still learning; warm-up goes on",
                            file=sys.stderr,
                        )
            result.history.append(row)
            # Without a validation split (a refit) every epoch counts and nothing stops early.
            # A warm-up epoch leaves r_uv's own layers as they were (SEMAX: r_uv = its base), so
            # on a tie the later one wins: the same r_uv with a text reader trained longer.
            warming = epoch + 1 <= warmup
            improved = valid_rmse < result.best_valid_rmse or math.isnan(valid_rmse)
            if improved or best_state is None or (warming and valid_rmse <= result.best_valid_rmse):
                result.best_valid_rmse, result.best_epoch = valid_rmse, epoch + 1
                best_state = copy.deepcopy(model.state_dict())
                bad_epochs = 0
            elif not warming:  # patience counts the joint epochs only
                bad_epochs += 1
            if progress:
                valid = f"valid RMSE {valid_rmse:.4f}" if len(valid_rows) else "no validation split"
                print(
                    f"epoch {epoch + 1}: train loss {row['train_loss']:.4f}  {valid}  ({row['seconds']:.1f}s)",
                    file=sys.stderr,
                )
            if save_ckpt:
                _save_checkpoint(ckpt, model, opt, epoch + 1, 0, result, best_state, ctx.world)
            if callback and ctx.any(ctx.main and bool(callback({"event": "epoch", **row}))):
                result.stopped = "cancelled"
                break
            if bad_epochs >= cfg.patience:
                result.stopped = "early"
                break
    except KeyboardInterrupt:
        if save_ckpt:
            mid = {"torch": torch.get_rng_state(), "ids": gen.get_state()} if done else None
            _save_checkpoint(ckpt, model, opt, epoch, done, result, best_state, ctx.world, mid)
            print(
                f"interrupted: checkpoint saved to {ckpt}; rerun with --resume to continue",
                file=sys.stderr,
            )
        raise
    except Exception as exc:
        if ctx.active:  # one line naming this rank and where it stopped
            raise distributed.failure(ctx, exc, where, cfg.dist_timeout) from exc
        raise
    if best_state is not None:
        model.load_state_dict(best_state)
    if save_ckpt and result.stopped != "cancelled":
        ckpt.unlink(missing_ok=True)  # finished: the bundle replaces the resume checkpoint
    model.eval()
    result.seconds = time.perf_counter() - t0
    return result
