"""Hub commands: `push` uploads a checked model bundle with a generated model card."""

from __future__ import annotations

import argparse

from semax.cli.common import command, emit


def _push_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="bundle folder to upload (checked first)")
    p.add_argument("--repo-id", required=True, help="Hub model repo OWNER/NAME[@BRANCH]")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument(
        "--branch",
        "--revision",
        dest="branch",
        default=None,
        help="branch to commit to (created if missing; default: the repo's main branch)",
    )
    p.add_argument("--message", default=None, help="commit message")
    p.add_argument("--json", action="store_true")


@command(
    "push",
    "upload a model bundle folder to the Hugging Face Hub (token: HF_TOKEN or `hf auth login`)",
    _push_args,
)
def run_push(args: argparse.Namespace) -> None:
    from pathlib import Path

    from semax.bundle import hub
    from semax.errors import BundleError

    if not Path(args.model).is_dir():
        raise BundleError(f"no such model folder: {args.model} (push uploads a local bundle)")
    result = hub.push(
        args.model,
        args.repo_id,
        private=args.private,
        branch=args.branch,
        commit_message=args.message,
    )
    emit(
        args,
        result,
        lambda r: f"pushed {args.model} to {r['repo_id']} ({r['branch']}): {r['commit_url']}",
    )
