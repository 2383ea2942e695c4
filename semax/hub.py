"""Model bundles (DESIGN §5): one folder layout, locally and on the Hugging Face Hub.

    config.json        kind, every hyperparameter, data source, split cut-offs, package version
    model.safetensors  weights (never pickled)
    vocab.json         the word list (id = position; <PAD> = 0, <UNK> = 1)
    ids.json           user and item id maps (id 0 = unknown)
    reviews.parquet    the reviews the model was trained and tested on (chronological)
    metrics.json       test MAE/RMSE and the rating-count buckets
    README.md          the model card

`load(source)` takes a folder or `owner/name[@revision]`. Loading checks every file, the model
kind and the tensor shapes (strict) and never unpickles anything.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

import semax
from semax import registry
from semax.data.dataset import DataConfig, ReviewData, prepare
from semax.data.text import Vocab
from semax.errors import BundleError

FILES = (
    "config.json",
    "model.safetensors",
    "vocab.json",
    "ids.json",
    "reviews.parquet",
    "metrics.json",
    "README.md",
)
PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".bin", ".ckpt", ".joblib", ".npy")
REPO_ID = re.compile(
    r"^(?P<repo>[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95})(?:@(?P<rev>[\w./-]{1,200}))?$"
)


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
    return {
        "kind": kind,
        "model": model.cfg.to_dict(),
        "data": data.config.to_dict(),
        "train": train or {},
        "data_source": str(data_source),
        "cutoffs": data.cutoffs(),
        "semax_version": semax.__version__,
        **(extra or {}),
    }


def save(bundle: Bundle, folder: str | Path) -> Path:
    """Write `bundle` as a folder (created if needed); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = bundle.data
    (folder / "config.json").write_text(json.dumps(bundle.config, indent=2, default=float))
    state = {k: v.detach().cpu().contiguous() for k, v in bundle.model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"kind": bundle.kind})
    (folder / "vocab.json").write_text(json.dumps(data.vocab.words))
    (folder / "ids.json").write_text(json.dumps({"users": data.users, "items": data.items}))
    data.reviews.to_parquet(folder / "reviews.parquet", index=False)
    (folder / "metrics.json").write_text(json.dumps(bundle.metrics, indent=2, default=float))
    (folder / "README.md").write_text(bundle.card or f"# {bundle.kind}\n")
    return folder


def _read_json(folder: Path, name: str):
    try:
        return json.loads((folder / name).read_text())
    except json.JSONDecodeError as exc:
        raise BundleError(
            f"{folder / name}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None


def load_folder(folder: str | Path, source: str | None = None) -> Bundle:
    """Load and check a bundle folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"no such model folder: {folder}")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise BundleError(f"{folder}: missing {', '.join(missing)}")
    pickled = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
    if pickled:
        raise BundleError(
            f"{folder}: refusing a bundle with pickle-capable files: {', '.join(pickled)}"
        )
    config = _read_json(folder, "config.json")
    name = config.get("kind")
    if name not in registry.kind_names():
        raise BundleError(f"{folder / 'config.json'}: unknown model kind {name!r}")
    model_cfg = registry.config_from_dict(name, config.get("model", {}))
    words = _read_json(folder, "vocab.json")
    ids = _read_json(folder, "ids.json")
    if not isinstance(words, list) or words[:2] != ["<PAD>", "<UNK>"]:
        raise BundleError(
            f"{folder / 'vocab.json'}: expected a word list starting with <PAD>, <UNK>"
        )
    for key, size in (
        ("n_words", len(words)),
        ("n_users", len(ids.get("users", []))),
        ("n_items", len(ids.get("items", []))),
    ):
        if hasattr(model_cfg, key) and getattr(model_cfg, key) != size:
            raise BundleError(
                f"{folder}: config.json says {key}={getattr(model_cfg, key)} but the vocab/id files hold {size}"
            )
    try:
        state = load_file(str(folder / "model.safetensors"))
    except (SafetensorError, OSError, ValueError) as exc:
        raise BundleError(f"{folder / 'model.safetensors'}: unreadable weights ({exc})") from None
    model = registry.build(name, model_cfg)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in first[1:3]) if len(first) > 1 else first[0]
        raise BundleError(
            f"{folder / 'model.safetensors'}: weights do not match the config: {detail}"
        ) from None
    model.eval()
    try:
        reviews = pd.read_parquet(folder / "reviews.parquet")
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise BundleError(
            f"{folder / 'reviews.parquet'}: unreadable ({type(exc).__name__})"
        ) from None
    data = prepare(
        reviews,
        DataConfig(**config.get("data", {})),
        vocab=Vocab(words),
        users=ids["users"],
        items=ids["items"],
    )
    return Bundle(
        kind=name,
        model=model,
        data=data,
        config=config,
        metrics=_read_json(folder, "metrics.json"),
        card=(folder / "README.md").read_text(),
        source=source or str(folder),
    )


def parse_repo_id(source: str) -> tuple[str, str | None]:
    """`owner/name[@revision]` -> (repo_id, revision); anything else is a BundleError."""
    m = REPO_ID.match(source)
    if not m or ".." in source or source.startswith(("/", ".")) or "\\" in source:
        raise BundleError(
            f"not a model folder and not a Hub repo id (owner/name[@revision]): {source!r}"
        )
    return m["repo"], m["rev"]


def download(repo_id: str, revision: str | None = None) -> Path:
    """Fetch a bundle from the Hub into its cache (offline with HF_HUB_OFFLINE=1: cache only)."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        path = snapshot_download(
            repo_id=repo_id, revision=revision, local_files_only=bool(constants.HF_HUB_OFFLINE)
        )
    except (
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
        HfHubHTTPError,
        OSError,
    ) as exc:
        where = "in the local Hub cache (offline)" if constants.HF_HUB_OFFLINE else "on the Hub"
        raise BundleError(
            f"cannot get {repo_id}{'@' + revision if revision else ''} {where}: {type(exc).__name__}"
        ) from None
    return Path(path)


def load(source: str | Path) -> Bundle:
    """Load a bundle from a folder, or from the Hub by `owner/name[@revision]`."""
    path = Path(source)
    if path.exists():
        return load_folder(path)
    repo_id, revision = parse_repo_id(str(source))
    return load_folder(download(repo_id, revision), source=str(source))


def model_card(bundle: Bundle) -> str:
    """A short model card: data, metrics, training command, intended use and limitations."""
    cfg, m = bundle.config, bundle.metrics
    cut = cfg.get("cutoffs", {})
    lines = [
        f"# {bundle.kind} — SEMAX Studio model",
        "",
        f"Trained with SEMAX Studio {cfg.get('semax_version', '?')} on `{Path(str(cfg.get('data_source', '?'))).name}`:"
        f" {cut.get('n', '?')} ratings, chronological split {cut.get('n_fit', '?')} fit / {cut.get('n_valid', '?')} validation / {cut.get('n_test', '?')} test.",
        "",
        "| split | n | MAE | RMSE |",
        "|---|---|---|---|",
        f"| test | {m.get('n', '?')} | {m.get('mae', float('nan')):.4f} | {m.get('rmse', float('nan')):.4f} |",
        f"| validation (early stopping) | {cut.get('n_valid', '?')} | | {m.get('valid_rmse', float('nan')):.4f} |",
        "",
        "## Training command",
        "",
        f"```\n{cfg.get('command', '')}\n```",
        "",
        "## Intended use and limitations",
        "",
        "Research and teaching: studying review-based rating prediction. Ratings of users or items unseen in"
        " training fall back to a shared 'unknown' factor and their review history; such cold-start predictions"
        " are flagged. Review text is user-generated and may contain anything.",
        "",
        "## Citation",
        "",
        "Wang et al., SEMAX: Multi-Task Learning for Improving Recommendations, IEEE Access 2019.",
    ]
    return "\n".join(lines) + "\n"
