"""GPU check: a few hundred SEMAX training steps on the GPU (bf16 autocast, cuDNN LSTM, pinned
memory) and on the CPU, on a synthetic corpus, and the app's own "train a small model now" job
(`studio.training.training_job`, the device's default sizes) on the auto-chosen device; prints
ratings/s for each as one JSON object. Runs on a CPU-only machine too (the GPU parts skipped).

On the GPU it then tries what the speed issue asks for at D = 32, where a step is bound by kernel
launches: the related task (attention and MLP, Eq. 7-11) under `torch.compile`, larger batches
with the learning rate scaled by sqrt(batch / 128), each fitted for two epochs with its
validation RMSE beside its ratings/s (`--batch-sizes`), and last the compiled related task
replayed as CUDA graphs (mode "reduce-overhead")."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # studio/ (the app's job code)

from train_speed import int_list, scaled_lr  # beside this file

from semax.data import DataConfig, prepare
from semax.models import registry
from semax.synthetic.generator import generate
from semax.training.loop import (
    TrainConfig,
    _epoch_batches,
    batch_builder,
    fit,
    make_optimizer,
    pick_device,
    training_threads,
)


def steps_per_second(model, data, batches, device, amp: bool) -> dict:
    model.to(device).train()
    opt = make_optimizer(model, TrainConfig())  # the training loop's own (fused Adam)
    build = batch_builder(model, data)  # the training loop's own batches (one encoder pass)
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if amp
        else torch.autocast("cpu", enabled=False)
    )

    def step(rows):
        batch = build(rows, True).to(device)
        with autocast:
            loss, _ = model.training_loss(batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    if len(batches) < 6:
        raise SystemExit(
            f"{len(batches)} batches: too few to time (5 warm up); pass more --reviews"
        )
    for rows in batches[:5]:
        step(rows)
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    ratings = 0
    for rows in batches[5:]:
        loss = step(rows)
        ratings += len(rows)
    final = float(loss.detach())  # synchronises
    seconds = time.perf_counter() - t0
    return {
        "steps": len(batches) - 5,
        "ratings_per_s": ratings / seconds,
        "seconds": seconds,
        "last_loss": final,
    }


def app_job(n_reviews: int, epochs: int, device: str = "auto") -> dict:
    """The app's training job, as the Model page starts it, with `device`'s default sizes:
    the device it trained on, the ratings/s it showed while training, and its result."""
    from studio.training import SmallTraining, default_sizes, resolve_device, training_job

    df, _ = generate(n_reviews, seed=1)
    resolved = resolve_device(device)
    sizes = {**default_sizes(resolved), "epochs": epochs}
    job = training_job(df, SmallTraining(device=device, **sizes), "synthetic").start()
    shown = []
    while not job.wait(0.5):
        found = re.search(r"([\d,]+) ratings/s on (\S+)", job.message)
        if found:
            shown.append(float(found.group(1).replace(",", "")))
    if job.status != "done":
        return {"status": job.status, "error": job.error}
    bundle = job.result
    return {
        "device": bundle.config["train"]["device"],
        "sizes": sizes,
        "ratings_per_s_shown": {"median": sorted(shown)[len(shown) // 2], "max": max(shown)}
        if shown
        else None,
        "seconds": job.seconds,
        "test_rmse": bundle.metrics["rmse"],
        "epochs_run": len(job.epochs),
    }


def compiled_related_task(cfg, data, batches, device, mode: str = "default") -> dict:
    """fp32 steps with the related task (attention and MLP, Eq. 7-11: many small kernels) under
    torch.compile (dynamic shapes: review lengths vary by batch); mode "reduce-overhead" also
    replays them as CUDA graphs. An error is reported, not raised."""
    torch.manual_seed(0)
    model = registry.build("semax", cfg)
    try:
        model.related = torch.compile(model.related, dynamic=True, mode=mode)
        t = time.perf_counter()
        timed = steps_per_second(model, data, batches, device, amp=False)
        return {**timed, "mode": mode, "seconds_incl_compile": time.perf_counter() - t}
    except Exception as e:  # a compiler missing or failing on this machine
        return {"mode": mode, "error": f"{type(e).__name__}: {e}"[:500]}


def fit_two_epochs(cfg, data, batch_size: int) -> dict:
    """Two epochs on the GPU at `batch_size`, lr scaled by sqrt(batch_size / 128)."""
    torch.manual_seed(0)
    lr = scaled_lr(batch_size)
    t = time.perf_counter()
    result = fit(
        registry.build("semax", cfg),
        data,
        TrainConfig(epochs=2, batch_size=batch_size, lr=lr, device="cuda"),
        progress=False,
    )
    seconds = time.perf_counter() - t
    return {
        "lr": lr,
        "seconds": seconds,
        "ratings_per_s": 2 * len(data.fit_rows) / seconds,
        "valid_rmse": result.best_valid_rmse,
        "history": result.history,
    }


class Results(dict):
    """The JSON object printed at the end; each section also goes to stderr as it completes, so
    a run cut short by its time limit still reports what it measured."""

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        print(json.dumps({key: value}, default=float), file=sys.stderr, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reviews", type=int, default=60_000)
    ap.add_argument("--gpu-steps", type=int, default=300)
    ap.add_argument("--cpu-steps", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--app-reviews", type=int, default=60_000, help="corpus of the app job")
    ap.add_argument("--app-epochs", type=int, default=2)
    ap.add_argument(
        "--batch-sizes",
        type=int_list,
        default=[512, 2048],
        help="batch sizes fitted for two epochs on the GPU, lr = 1e-3 * sqrt(batch / 128)",
    )
    ap.add_argument(
        "--compile-on-cpu",
        action="store_true",
        help="also time the compiled related task on the CPU, beside the eager CPU steps",
    )
    args = ap.parse_args()
    out = Results(benchmark="gpu_check", torch=torch.__version__, cuda=torch.cuda.is_available())
    t0 = time.perf_counter()
    df, _ = generate(args.reviews, seed=0)
    data = prepare(df, DataConfig())
    out["prepare_seconds"] = time.perf_counter() - t0
    cfg = registry.config_for("semax", data)
    batches = _epoch_batches(data, data.fit_rows, TrainConfig(batch_size=args.batch_size), 0)
    out["batch_size"] = args.batch_size
    device = pick_device("auto")
    out["device"] = str(device) + (
        f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""
    )
    gpu = device.type == "cuda"
    steps = batches[: args.gpu_steps + 5]
    if gpu:
        torch.manual_seed(0)
        out["gpu_bf16"] = steps_per_second(
            registry.build("semax", cfg), data, steps, device, amp=True
        )
        torch.manual_seed(0)
        out["gpu_fp32"] = steps_per_second(
            registry.build("semax", cfg), data, steps, device, amp=False
        )
    torch.manual_seed(0)
    defaults = TrainConfig()
    with training_threads(defaults):  # the CPU runs on training's threads, as `fit` sets them
        out["cpu"] = steps_per_second(
            registry.build("semax", cfg),
            data,
            batches[: args.cpu_steps + 5],
            torch.device("cpu"),
            amp=False,
        )
        out["cpu_threads"] = torch.get_num_threads()
        if args.compile_on_cpu:
            out["cpu_compiled_related_task"] = compiled_related_task(
                cfg, data, batches[: args.cpu_steps + 5], torch.device("cpu")
            )
    out["cpu_encoder_threads"] = defaults.encoder_threads
    out["app_job"] = app_job(args.app_reviews, args.app_epochs)
    if gpu:  # the speed issue's tries, last: each section prints as it completes
        out["gpu_fp32_compiled_related_task"] = compiled_related_task(cfg, data, steps, device)
        out["gpu_fit_2_epochs"] = {
            str(size): fit_two_epochs(cfg, data, size) for size in args.batch_sizes
        }
        out["gpu_fp32_compiled_related_task_cuda_graphs"] = compiled_related_task(
            cfg, data, steps, device, mode="reduce-overhead"
        )
    if "gpu_bf16" in out:
        out["gpu_bf16_over_cpu"] = out["gpu_bf16"]["ratings_per_s"] / out["cpu"]["ratings_per_s"]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
