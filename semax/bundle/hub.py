"""The only code that talks to the Hugging Face Hub: repo ids, bundle downloads and pushes, and
`hf://datasets/...` review files. `huggingface_hub` is imported only when a repo id is used.

`download` (`snapshot_download` into the standard cache, `HF_HUB_CACHE` or `cache_dir=`; with
`HF_HUB_OFFLINE=1` it passes `local_files_only=True` and never touches the network) and `push`
(`HfApi.create_repo` + `HfApi.upload_folder` of exactly the checked bundle files and a freshly
generated model card). `load(source)` takes a folder or `owner/name[@revision]`. Every failure is
a `BundleError` (a `DataError` for review files) with a one-line message.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote

import semax
from semax.bundle.card import LIBRARY_NAME, model_card
from semax.bundle.format import CACHE_FILES, FILES, Bundle, load_folder, present_files
from semax.errors import BundleError, DataError, SemaxError

# Hub names: letters, digits, `_`, `-`, `.`; start and end alphanumeric; no `--` or `..`.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9])?"
REPO_ID = re.compile(rf"^(?P<repo>{_NAME}/{_NAME})(?:@(?P<rev>.*))?$", re.ASCII)
# Branches, tags, commit shas and refs/pr/N: slash-separated parts of safe characters.
REVISION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$", re.ASCII)
HF_DATASETS = "hf://datasets/"


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
            allow_patterns=[*FILES, *CACHE_FILES],
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
        files = present_files(folder)
        for name in files:
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
        "files": files,
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


# ----------------------------------------------------------------- the Hub: review data files


def parse_hf_url(url: str) -> tuple[str, str | None, str]:
    """`hf://datasets/OWNER/REPO[@REVISION]/PATH` -> `(repo_id, revision, path)`; the repo part is
    checked by `parse_repo_id` (a revision may be URL-quoted: `refs%2Fpr%2F1`)."""
    parts = url[len(HF_DATASETS) :].split("/", 2) if url.startswith(HF_DATASETS) else []
    try:
        if len(parts) < 3 or not parts[2] or any(c.isspace() for c in url):
            raise BundleError(url)
        repo_id, revision = parse_repo_id(f"{parts[0]}/{unquote(parts[1])}")
    except BundleError:
        raise DataError(
            f"{url}: not a Hub dataset file; expected hf://datasets/OWNER/REPO[@REVISION]/PATH"
        ) from None
    return repo_id, revision, parts[2]


def download_file(url: str) -> str:
    """Download (or find in the Hub cache) the file an hf:// URL names; return its local path."""
    repo_id, revision, path = parse_hf_url(url)
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(
            repo_id=repo_id, filename=path, repo_type="dataset", revision=revision
        )
    except Exception as exc:  # any failure to fetch is a problem with the source, not a bug
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise DataError(f"{url}: cannot download ({type(exc).__name__}): {detail}") from None
