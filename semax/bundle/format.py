"""The saved-model format (DESIGN §5): a bundle is one folder, the same locally and on the Hub.

    config.json        kind, every hyperparameter, data source, split cut-offs, package version
    model.safetensors  weights (never pickled); its metadata repeats the kind
    vocab.json         the word list (id = position; <PAD> = 0, <UNK> = 1)
    ids.json           user and item id maps (id 0 = unknown)
    reviews.parquet    the reviews the model was trained and tested on (chronological, zstd)
    metrics.json       test MAE/RMSE, the rating-count buckets and the training curve
    README.md          the model card (`semax.bundle.card`)
    cache.safetensors  optional: the test ratings' predictions (the Compare page needs no
                       pass over the test split) and, for SEMAX with text, every item's history
                       state h_v (the first top-N needs no pass over the item histories); tied
                       to the weights by the SHA-256 of their tensors, ignored otherwise

`load_folder` checks every file (JSON shapes, the model kind, vocabulary and id-map sizes against
the config, the tensor shapes with `strict=True`, finite weights, the review columns and count
against the saved split) and never unpickles anything; a folder holding a pickle-capable file (by
suffix or by content) is refused. `semax.bundle.hub.load` adds Hub repo ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

import semax
from semax.bundle.card import LIBRARY_NAME, model_card
from semax.data.dataset import DataConfig, ReviewData, prepare
from semax.data.text import Vocab
from semax.errors import BundleError
from semax.models import registry

FILES = (
    "config.json",
    "model.safetensors",
    "vocab.json",
    "ids.json",
    "reviews.parquet",
    "metrics.json",
    "README.md",
)
CACHE = "cache.safetensors"
CACHE_FILES = (CACHE,)  # optional: a bundle loads without them
SAVING = ".semax-saving"  # in a folder that a save is still writing: it does not load
REVIEW_COLUMNS = ("user", "item", "rating", "text", "time")
PICKLE_SUFFIXES = (
    ".pt",
    ".pth",
    ".pkl",
    ".pickle",
    ".bin",
    ".ckpt",
    ".joblib",
    ".npy",
    ".npz",
)

# Branches, tags, commit shas and refs/pr/N: slash-separated parts of safe characters.
REVISION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$", re.ASCII)


@dataclass
class Bundle:
    """A trained model with everything needed to use it again."""

    kind: str
    model: torch.nn.Module
    data: ReviewData
    config: dict = field(default_factory=dict)  # the full config.json
    metrics: dict = field(default_factory=dict)
    card: str = ""
    source: str = ""  # folder or repo id it was loaded from
    # from cache.safetensors: h_v of every item in the data, and the test rows' predictions
    item_states: torch.Tensor | None = None  # (n_items_in_data, D3)
    test_predictions: torch.Tensor | None = None  # (n_test,)
    cache_for: str | None = None  # `weights_digest` of the weights those belong to (None: these)

    @property
    def title(self) -> str:
        return f"{self.kind} on {Path(str(self.config.get('data_source', '?'))).name}"


def bundle_config(
    kind: str,
    model,
    data: ReviewData,
    train: dict | None = None,
    data_source: str = "",
    extra: dict | None = None,
) -> dict:
    config = {
        "kind": kind,
        "model": model.cfg.to_dict(),
        "data": data.config.to_dict(),
        "train": train or {},
        "data_source": str(data_source),
        "cutoffs": data.cutoffs(),
        "semax_version": semax.__version__,
    }
    synthetic = _synthetic_source(data_source)
    if synthetic:
        config["synthetic"] = synthetic
    return {**config, **(extra or {})}


def _synthetic_source(data_source) -> dict | None:
    """The corpus `semax demo-data` wrote (it leaves `<stem>.truth.json` next to it): its size,
    seed and truth version (which planted words), so the model card can say the data is synthetic
    even after the file is gone."""
    if not data_source or "://" in str(data_source):
        return None
    try:
        from semax.synthetic.truth import truth_path

        truth = json.loads(truth_path(data_source).read_text())
        return {
            "generator": "semax demo-data",
            "n_reviews": truth["n_reviews"],
            "seed": truth["seed"],
            "version": truth.get("version", 1),
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ------------------------------------------------------------------------------------- saving


def save(bundle: Bundle, folder: str | Path, overwrite: bool = False) -> Path:
    """Write `bundle` as the folder `folder`; returns it.

    Atomic: the files are written into a temporary folder beside `folder` (marked unfinished by
    a `SAVING` file until the last one is written), which is then renamed to `folder`; a save
    that is killed leaves the folder as it was (or absent) and never a half bundle that loads.
    A folder that already holds files is replaced only with `overwrite` (else a BundleError);
    the old folder's other files (not bundle files) move into the new one. When the working
    directory lies inside `folder` it cannot be renamed: the files are then replaced one by one
    under the `SAVING` mark, so an interrupted save leaves a folder that does not load."""
    target = Path(folder).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise BundleError(f"{folder}: exists and is not a folder")
    if _holds_files(target) and not overwrite:
        raise BundleError(f"{folder}: exists and is not empty (not overwriting it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.saving-{secrets.token_hex(4)}")
    tmp.mkdir()  # (the umask's permissions, as a plain mkdir)
    try:
        (tmp / SAVING).touch()
        _write(bundle, tmp)
        (tmp / SAVING).unlink()
        _put_in_place(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already unless the save failed
    return Path(folder)


def _holds_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _put_in_place(tmp: Path, target: Path) -> None:
    """Move the complete bundle in `tmp` to `target` (see `save`)."""
    if Path.cwd().is_relative_to(target):
        (target / SAVING).touch()  # target exists: the working directory is in it
        for name in present_files(tmp):
            os.replace(tmp / name, target / name)
        for name in CACHE_FILES:  # a stale cache of the old weights must not stay
            if not (tmp / name).exists():
                with contextlib.suppress(FileNotFoundError):
                    (target / name).unlink()
        (target / SAVING).unlink()
        return
    if not _holds_files(target):
        with contextlib.suppress(FileNotFoundError):
            target.rmdir()
        os.rename(tmp, target)
        return
    old = tmp.with_name(tmp.name + ".old")
    os.rename(target, old)
    os.rename(tmp, target)  # from here on the new bundle is in place
    for entry in old.iterdir():
        if entry.name not in FILES + CACHE_FILES:
            os.rename(entry, target / entry.name)
    shutil.rmtree(old)


def _write(bundle: Bundle, folder: Path) -> None:
    """Every file of the bundle into the (existing) folder."""
    data = bundle.data
    (folder / "config.json").write_text(json.dumps(bundle.config, indent=2, default=float))
    state, aliases = _untied_state(bundle.model)
    metadata = {"kind": bundle.kind, "format": "pt", "library": LIBRARY_NAME}
    if aliases:
        metadata["aliases"] = json.dumps(aliases, sort_keys=True)
    save_file(state, str(folder / "model.safetensors"), metadata=metadata)
    (folder / "vocab.json").write_text(json.dumps(data.vocab.words))
    (folder / "ids.json").write_text(json.dumps({"users": data.users, "items": data.items}))
    data.reviews.to_parquet(folder / "reviews.parquet", index=False, compression="zstd")
    (folder / "metrics.json").write_text(json.dumps(bundle.metrics, indent=2, default=float))
    (folder / "README.md").write_text(bundle.card or model_card(bundle))
    digest = weights_digest(state)
    current = bundle.cache_for in (None, digest)  # else the weights changed since loading
    cache = {
        "item_states": _item_states(bundle, reuse=current),
        "test_predictions": bundle.test_predictions if current else None,
    }
    cache = {k: v.float().cpu().contiguous() for k, v in cache.items() if v is not None}
    if cache:
        save_file(cache, str(folder / CACHE), metadata={"weights_sha256": digest})


def present_files(folder: Path) -> list[str]:
    """The bundle files in `folder`: every required one and the optional caches it holds."""
    return [*FILES, *(name for name in CACHE_FILES if (folder / name).is_file())]


def weights_digest(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 of the tensors themselves (names, dtypes, shapes, bytes), so the same weights
    give the same digest whatever order a file stores them or its metadata in."""
    digest = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _item_states(bundle: Bundle, reuse: bool) -> torch.Tensor | None:
    """h_v of every item in the data (`Recommender.item_names` order) for models that have
    them: the bundle's own (with `reuse`) or computed in eval mode (its mode restored)."""
    from semax.inference import Recommender  # (inference does not import bundles)

    if reuse and bundle.item_states is not None:
        return bundle.item_states
    model = bundle.model
    training = model.training
    try:
        rec = Recommender(model, bundle.data)
        return rec.item_states() if rec.cached else None
    finally:
        model.train(training)


def _read_cache(folder: Path, model: torch.nn.Module, shapes: dict[str, tuple]) -> dict:
    """The saved caches that belong to `model`'s weights (their `weights_digest`, taken as
    `_write` takes it) and have the expected `shapes`, by name; anything else is ignored."""
    path = folder / CACHE
    if not path.is_file():
        return {}
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            found = {k: f.get_tensor(k) for k in f.keys() if k in shapes}  # noqa: SIM118
    except (SafetensorError, OSError):
        return {}
    digest = weights_digest(_untied_state(model)[0])
    if meta.get("weights_sha256") != digest:
        return {}
    kept = {
        k: v.float()
        for k, v in found.items()
        if tuple(v.shape) == shapes[k] and torch.isfinite(v).all()
    }
    return {**kept, "cache_for": digest} if kept else {}


def _untied_state(model: torch.nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The state dict with tied weights stored once (safetensors refuses shared memory):
    (tensors to save, {alias: stored name}). Tensors that share memory in another way are copied."""
    state: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    seen: dict[tuple, str] = {}
    for name, tensor in model.state_dict().items():
        t = tensor.detach()
        key = (
            t.device,
            t.untyped_storage().data_ptr(),
            t.storage_offset(),
            tuple(t.shape),
            tuple(t.stride()),
            t.dtype,
        )
        if t.numel() and key in seen:
            aliases[name] = seen[key]
            continue
        seen[key] = name
        state[name] = t.cpu().clone() if _shares_memory(t, state) else t.cpu().contiguous()
    return state, aliases


def _shares_memory(t: torch.Tensor, state: dict[str, torch.Tensor]) -> bool:
    ptr = t.untyped_storage().data_ptr()
    return t.numel() > 0 and any(
        s.numel() and s.untyped_storage().data_ptr() == ptr for s in state.values()
    )


# ------------------------------------------------------------------------------------- loading


def _read_json(folder: Path, name: str, kind: type | None = None):
    try:
        value = json.loads((folder / name).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BundleError(
            f"{folder / name}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except UnicodeDecodeError:
        raise BundleError(f"{folder / name}: not UTF-8 text") from None
    if kind is not None and not isinstance(value, kind):
        raise BundleError(f"{folder / name}: expected a JSON {kind.__name__}")
    return value


def _looks_pickled(path: Path) -> bool:
    """A pickle stream (PROTO opcode 0x80 + protocol 2..5) or a zip archive (torch.save)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5) or head == b"PK\x03\x04"


def _check_files(folder: Path) -> None:
    if (folder / SAVING).exists():
        raise BundleError(f"{folder}: an unfinished save (it was interrupted): not a bundle")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise BundleError(f"{folder}: missing {', '.join(missing)}")
    others = [p for p in folder.iterdir() if p.name not in FILES + CACHE_FILES and p.is_file()]
    pickled = sorted(
        p.name for p in others if p.suffix.lower() in PICKLE_SUFFIXES or _looks_pickled(p)
    )
    if pickled:
        raise BundleError(
            f"{folder}: refusing a bundle with pickle-capable files: {', '.join(pickled)}"
        )


def _string_list(value, what: str, folder: Path, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise BundleError(f"{folder / name}: {what} must be a list of strings")
    if len(set(value)) != len(value):
        raise BundleError(f"{folder / name}: {what} has duplicate entries")
    return value


def _load_weights(path: Path, kind: str) -> dict[str, torch.Tensor]:
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            state = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BundleError(f"{path}: unreadable weights ({detail})") from None
    saved_kind = metadata.get("kind")
    if saved_kind is not None and saved_kind != kind:
        raise BundleError(f"{path}: weights of kind {saved_kind!r} but config.json says {kind!r}")
    try:
        aliases = json.loads(metadata.get("aliases", "{}"))
    except json.JSONDecodeError:
        aliases = None
    if not isinstance(aliases, dict) or not all(
        isinstance(a, str) and isinstance(t, str) and t in state and a not in state
        for a, t in aliases.items()
    ):
        raise BundleError(f"{path}: bad tied-weight aliases in the metadata")
    for alias, target in aliases.items():  # tied weights are stored once
        state[alias] = state[target]
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise BundleError(f"{path}: weights contain NaN or infinite values ({', '.join(bad[:3])})")
    return state


def load_folder(folder: str | Path, source: str | None = None) -> Bundle:
    """Load and check a bundle folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"no such model folder: {folder}")
    _check_files(folder)
    config = _read_json(folder, "config.json", dict)
    name = config.get("kind")
    if not isinstance(name, str) or name not in registry.kind_names():
        raise BundleError(
            f"{folder / 'config.json'}: unknown model kind {name!r} (known: {', '.join(registry.kind_names())})"
        )
    model_values = config.get("model")
    if not isinstance(model_values, dict):
        raise BundleError(f"{folder / 'config.json'}: 'model' must be an object of hyperparameters")
    model_cfg = registry.config_from_dict(name, model_values)
    try:
        data_config = DataConfig(**config.get("data", {}))
    except TypeError as exc:
        raise BundleError(f"{folder / 'config.json'}: bad 'data' settings ({exc})") from None
    words = _string_list(_read_json(folder, "vocab.json"), "the vocabulary", folder, "vocab.json")
    if words[:2] != ["<PAD>", "<UNK>"]:
        raise BundleError(
            f"{folder / 'vocab.json'}: expected a word list starting with <PAD>, <UNK>"
        )
    ids = _read_json(folder, "ids.json", dict)
    users = _string_list(ids.get("users"), "'users'", folder, "ids.json")
    items = _string_list(ids.get("items"), "'items'", folder, "ids.json")
    for key, size in (("n_words", len(words)), ("n_users", len(users)), ("n_items", len(items))):
        if hasattr(model_cfg, key) and getattr(model_cfg, key) != size:
            source_file = "vocab.json" if key == "n_words" else "ids.json"
            raise BundleError(
                f"{folder}: config.json says {key}={getattr(model_cfg, key)} but {source_file} holds {size}"
            )
    state = _load_weights(folder / "model.safetensors", name)
    model = registry.build(name, model_cfg)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        detail = " ".join(lines[1:3]) if len(lines) > 1 else lines[0]
        raise BundleError(
            f"{folder / 'model.safetensors'}: weights do not match the config: {detail}"
        ) from None
    model.eval()
    reviews = _read_reviews(folder, config)
    try:
        data = prepare(reviews, data_config, vocab=Vocab(words), users=users, items=items)
    except (ValueError, TypeError, KeyError) as exc:
        raise BundleError(
            f"{folder / 'reviews.parquet'}: cannot prepare the reviews ({exc})"
        ) from None
    shapes = {
        "item_states": (int(data.reviews["item"].nunique()), getattr(model_cfg, "d_text", -1)),
        "test_predictions": (len(data.test_rows),),
    }
    return Bundle(
        kind=name,
        model=model,
        data=data,
        config=config,
        metrics=_read_json(folder, "metrics.json", dict),
        card=(folder / "README.md").read_text(encoding="utf-8", errors="replace"),
        source=source or str(folder),
        **_read_cache(folder, model, shapes),
    )


def _read_reviews(folder: Path, config: dict) -> pd.DataFrame:
    path = folder / "reviews.parquet"
    try:
        reviews = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise BundleError(f"{path}: unreadable ({type(exc).__name__})") from None
    absent = [c for c in REVIEW_COLUMNS if c not in reviews.columns]
    if absent:
        raise BundleError(f"{path}: missing columns {', '.join(absent)}")
    n = (config.get("cutoffs") or {}).get("n")
    if isinstance(n, int) and n != len(reviews):
        raise BundleError(
            f"{path}: holds {len(reviews)} reviews but config.json's split was made on {n}"
        )
    if len(reviews) == 0:
        raise BundleError(f"{path}: no reviews")
    text = reviews["text"]  # (tokenized on first use, so checked here)
    if text.isna().any() or not pd.api.types.is_string_dtype(text):
        raise BundleError(f"{path}: the text column must hold strings")
    return reviews
