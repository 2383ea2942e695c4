"""Model bundles (DESIGN §5): one folder layout, locally and on the Hugging Face Hub.

    config.json        kind, every hyperparameter, data source, split cut-offs, package version
    model.safetensors  weights (never pickled); its metadata repeats the kind
    vocab.json         the word list (id = position; <PAD> = 0, <UNK> = 1)
    ids.json           user and item id maps (id 0 = unknown)
    reviews.parquet    the reviews the model was trained and tested on (chronological, zstd)
    metrics.json       test MAE/RMSE, the rating-count buckets and the training curve
    README.md          the model card (YAML front matter for the Hub, then data, metrics, command,
                       intended use, limitations, citation)

`load(source)` takes a folder or `owner/name[@revision]`. Loading checks every file (JSON shapes,
the model kind, vocabulary and id-map sizes against the config, the tensor shapes with
`strict=True`, finite weights, the review columns and count against the saved split) and never
unpickles anything; a folder holding a pickle-capable file (by suffix or by content) is refused.

Hub access goes through `huggingface_hub`, imported only when a repo id is used:
`download` (`snapshot_download` into the standard cache, `HF_HUB_CACHE` or `cache_dir=`; with
`HF_HUB_OFFLINE=1` it passes `local_files_only=True` and never touches the network) and `push`
(`HfApi.create_repo` + `HfApi.upload_folder` of exactly the checked bundle files and a freshly
generated model card). Every failure is a `BundleError` with a one-line message.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

import semax
from semax.bundle.card import LIBRARY_NAME, LICENSE, PAPER, dataset_stats, model_card  # noqa: F401 (re-exported)
from semax.data.dataset import DataConfig, ReviewData, prepare
from semax.data.text import Vocab
from semax.errors import BundleError, SemaxError
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

# Hub names: letters, digits, `_`, `-`, `.`; start and end alphanumeric; no `--` or `..`.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9])?"
REPO_ID = re.compile(rf"^(?P<repo>{_NAME}/{_NAME})(?:@(?P<rev>.*))?$", re.ASCII)
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
    """The corpus `semax demo-data` wrote (it leaves `<stem>.truth.json` next to it): its size and
    seed, so the model card can say the data is synthetic even after the file is gone."""
    if not data_source or "://" in str(data_source):
        return None
    try:
        from semax.synthetic.generator import truth_path

        truth = json.loads(truth_path(data_source).read_text())
        return {
            "generator": "semax demo-data",
            "n_reviews": truth["n_reviews"],
            "seed": truth["seed"],
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ------------------------------------------------------------------------------------- saving


def save(bundle: Bundle, folder: str | Path) -> Path:
    """Write `bundle` as a folder (created if needed); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
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
    return folder


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
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise BundleError(f"{folder}: missing {', '.join(missing)}")
    others = [p for p in folder.iterdir() if p.name not in FILES and p.is_file()]
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
    return Bundle(
        kind=name,
        model=model,
        data=data,
        config=config,
        metrics=_read_json(folder, "metrics.json", dict),
        card=(folder / "README.md").read_text(encoding="utf-8", errors="replace"),
        source=source or str(folder),
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
    return reviews


# ------------------------------------------------------------------------------- the Hub: ids


def parse_repo_id(source: str) -> tuple[str, str | None]:
    """`owner/name[@revision]` -> (repo_id, revision); anything else is a BundleError."""
    source = str(source)
    m = REPO_ID.match(source)
    if not m or "\\" in source or ".." in m["repo"] or "--" in m["repo"]:
        raise BundleError(f"not a Hub repo id (OWNER/NAME[@REVISION]): {source!r}")
    revision = m["rev"]
    if revision is not None:
        check_revision(revision)
    return m["repo"], revision


def check_revision(revision: str) -> str:
    """A branch, tag, commit sha or refs/pr/N; no `..`, no leading `/`, no backslashes."""
    if (
        not REVISION.match(revision or "")
        or ".." in revision
        or len(revision) > 200
        or revision.endswith((".lock", "."))
    ):
        raise BundleError(f"not a valid Hub revision (branch, tag or commit): {revision!r}")
    return revision


def _looks_like_path(source: str) -> bool:
    return (
        source.startswith(("/", ".", "~"))
        or "\\" in source
        or source.count("/") != 1
        or os.sep != "/"
        and os.sep in source
    )


# ------------------------------------------------------------------------ the Hub: download


def _hub_error(exc: Exception, what: str, offline: bool, cache: str) -> BundleError:
    from huggingface_hub.errors import (
        GatedRepoError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(exc, RevisionNotFoundError):
        return BundleError(f"{what}: no such revision on the Hub")
    if isinstance(exc, GatedRepoError):
        return BundleError(f"{what}: the repo is gated; accept its terms and log in (HF_TOKEN)")
    if isinstance(exc, RepositoryNotFoundError):
        return BundleError(
            f"{what}: no such model repo on the Hub (or it is private: set HF_TOKEN or run `hf auth login`)"
        )
    if isinstance(exc, LocalEntryNotFoundError) and offline:
        return BundleError(
            f"{what}: not in the local Hub cache {cache} and HF_HUB_OFFLINE=1 forbids downloading"
        )
    if isinstance(exc, HFValidationError):
        return BundleError(f"{what}: not a valid Hub repo id or revision")
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return BundleError(f"{what}: cannot download from the Hub ({type(exc).__name__}: {first})")


def download(
    repo_id: str,
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    token: str | None = None,
) -> Path:
    """Fetch a bundle from the Hub into its cache and return the snapshot folder.

    Only the bundle's files are fetched. The cache is `cache_dir`, else `HF_HUB_CACHE` (the
    standard layout `models--owner--name/{refs,snapshots}`); with `HF_HUB_OFFLINE=1` only the
    cache is read (`local_files_only=True`)."""
    from huggingface_hub import constants, snapshot_download

    repo_id, rev = parse_repo_id(repo_id if revision is None else f"{repo_id}@{revision}")
    offline = bool(constants.HF_HUB_OFFLINE)
    cache = str(cache_dir or constants.HF_HUB_CACHE)
    what = repo_id + (f"@{rev}" if rev else "")
    try:
        path = snapshot_download(
            repo_id=repo_id,
            revision=rev,
            cache_dir=cache_dir,
            token=token,
            local_files_only=offline,
            allow_patterns=list(FILES),
            library_name=LIBRARY_NAME,
            library_version=semax.__version__,
        )
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # network, auth, cache: one line, never a traceback
        raise _hub_error(exc, what, offline, cache) from None
    return Path(path)


def load(
    source: str | Path, cache_dir: str | Path | None = None, token: str | None = None
) -> Bundle:
    """Load a bundle from a folder, or from the Hub by `owner/name[@revision]`."""
    text = str(source)
    path = Path(text).expanduser()
    if path.is_dir():
        return load_folder(path)
    if path.exists():
        raise BundleError(f"{text}: a model is a bundle folder (or a Hub repo id), not a file")
    if _looks_like_path(text.split("@", 1)[0]):
        raise BundleError(f"no such model folder: {text} (a Hub repo id is OWNER/NAME[@REVISION])")
    try:
        repo_id, revision = parse_repo_id(text)
    except BundleError:
        raise BundleError(
            f"no such model folder, and not a Hub repo id (OWNER/NAME[@REVISION]): {text!r}"
        ) from None
    folder = download(repo_id, revision, cache_dir=cache_dir, token=token)
    return load_folder(folder, source=text)


# ---------------------------------------------------------------------------- the Hub: push


def push(
    folder: str | Path,
    repo_id: str,
    *,
    private: bool = False,
    branch: str | None = None,
    token: str | None = None,
    commit_message: str | None = None,
) -> dict:
    """Check the bundle in `folder`, regenerate its model card and upload it to `repo_id`.

    The repo is created if needed (`HfApi.create_repo(exist_ok=True)`); the upload is one
    commit of exactly the bundle files (`HfApi.upload_folder`), on `branch` (created from the
    default branch if missing) or the default branch. The local folder is not modified."""
    repo, rev = parse_repo_id(repo_id)
    if rev and branch and rev != branch:
        raise BundleError(f"two branches given: {repo_id!r} and --branch {branch!r}")
    branch = check_revision(branch or rev) if (branch or rev) else None
    bundle = load_folder(folder)  # never push a broken bundle

    from huggingface_hub import HfApi, constants, get_token

    if constants.HF_HUB_OFFLINE:
        raise SemaxError("HF_HUB_OFFLINE=1: cannot push to the Hub while offline")
    token = token or get_token()
    if not token:
        raise SemaxError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    card = model_card(bundle, repo_id=repo)
    api = HfApi(token=token, library_name=LIBRARY_NAME, library_version=semax.__version__)
    folder = Path(folder)
    with tempfile.TemporaryDirectory(prefix="semax-push-") as tmp:
        stage = Path(tmp)
        for name in FILES:
            if name != "README.md":
                _link_or_copy(folder / name, stage / name)
        (stage / "README.md").write_text(card, encoding="utf-8")
        try:
            url = api.create_repo(repo_id=repo, private=private, exist_ok=True, repo_type="model")
            if branch:
                api.create_branch(repo_id=repo, branch=branch, exist_ok=True, repo_type="model")
            commit = api.upload_folder(
                repo_id=repo,
                folder_path=stage,
                repo_type="model",
                revision=branch,
                commit_message=commit_message
                or f"Upload {bundle.kind} bundle (SEMAX Studio {semax.__version__})",
            )
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # auth, network, quota: one line
            raise _push_error(exc, repo) from None
    return {
        "repo_id": repo,
        "branch": branch or "main",
        "private": private,
        "kind": bundle.kind,
        "url": str(url),
        "commit_url": str(getattr(commit, "commit_url", commit)),
        "files": list(FILES),
    }


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _push_error(exc: Exception, repo: str) -> SemaxError:
    from huggingface_hub.errors import HfHubHTTPError

    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(exc, HfHubHTTPError) and status in (401, 403):
        return SemaxError(
            f"cannot push to {repo}: not authorized (HTTP {status}); check HF_TOKEN or `hf auth login` and that the token can write"
        )
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return SemaxError(f"cannot push to {repo}: {type(exc).__name__}: {first}")


# -------------------------------------------------------------------------------- model card
