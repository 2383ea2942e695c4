"""Model cards for bundles: YAML front matter for the Hub, then the data, metrics, training
command, intended use, limitations and citation."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from semax.models import registry

if TYPE_CHECKING:
    from semax.bundle.format import Bundle

LIBRARY_NAME = "semax-studio"
LICENSE = "mit"
PAPER = "Wang et al., SEMAX: Multi-Task Learning for Improving Recommendations, IEEE Access 2019"


def dataset_stats(bundle: Bundle) -> dict:
    """Counts for the model card: reviews, users, items, split sizes and dates, ratings, words."""
    cfg, data = bundle.config, bundle.data
    cut = cfg.get("cutoffs") or data.cutoffs()
    reviews = data.reviews
    ratings = reviews["rating"].round().astype(int).value_counts().sort_index()
    lengths = data.store.lengths
    stats = {
        "reviews": int(len(reviews)),
        "users": int(reviews["user"].nunique()),
        "items": int(reviews["item"].nunique()),
        "users_with_factor": len(data.users) - 1,
        "items_with_factor": len(data.items) - 1,
        "vocabulary": len(data.vocab),
        "mean_rating": float(reviews["rating"].mean()),
        "ratings": {int(k): int(v) for k, v in ratings.items()},
        "words_read_mean": float(lengths.mean()) if len(lengths) else 0.0,
        "cut_share": float((lengths >= data.config.max_words).mean()) if len(lengths) else 0.0,
        "split": {},
    }
    for name in ("fit", "valid", "test"):
        stats["split"][name] = {
            "n": int(cut.get(f"n_{name}", 0)),
            "first": _date(cut.get(f"{name}_time_min")),
            "last": _date(cut.get(f"{name}_time_max")),
        }
    return stats


def _date(t) -> str:
    if t is None:
        return ""
    try:
        return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%d")
    except (ValueError, OverflowError, OSError, TypeError):
        return ""


def _num(x, digits: int = 4) -> str:
    if isinstance(x, bool) or not isinstance(x, int | float) or math.isnan(x):
        return "–"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def _pct(x) -> str:
    return (
        _num(x * 100, 1) + " %" if isinstance(x, int | float) and not isinstance(x, bool) else "–"
    )


def _round(x, digits: int = 4):
    return round(x, digits) if isinstance(x, float) and math.isfinite(x) else None


def _yaml(value) -> str:
    """A YAML scalar: JSON strings and numbers are valid YAML."""
    if isinstance(value, float) and not math.isfinite(value):
        return "null"
    return json.dumps(value)


PROTOCOL_TEXT = {  # a bundle saved before the protocol was recorded read histories online
    "online": "Protocol **online**: a prediction at time t reads every review and rating written "
    "before t, test period included; the weights are never refitted.",
    "frozen": "Protocol **frozen**: predictions read only the training part's reviews and ratings.",
}


def _data_description(cfg: dict) -> tuple[str, str]:
    """(dataset name, one-sentence description)."""
    source = str(cfg.get("data_source", "") or "")
    name = source.rstrip("/").rsplit("/", 1)[-1] or "unknown data"
    syn = cfg.get("synthetic")
    if syn:
        return name, (
            f"the project's **synthetic** review corpus (`python -m semax demo-data --reviews "
            f"{syn.get('n_reviews')} --seed {syn.get('seed')}`): made-up users, items and reviews "
            "with planted opinion (key) words, no real people"
        )
    if source.startswith("hf://"):
        return name, f"`{source}` from the Hugging Face Hub"
    return name, f"`{name}`"


def model_card(bundle: Bundle, repo_id: str | None = None) -> str:
    """The model card (README.md): Hub metadata, data statistics, metrics overall and by
    rating-count bucket, the training command and settings, usage, intended use, limitations
    and the SEMAX citation."""
    cfg, m = bundle.config, bundle.metrics
    kind = bundle.kind
    title = repo_id or f"{kind} — SEMAX Studio model"
    data_name, data_text = _data_description(cfg)
    stats = dataset_stats(bundle)
    summary = getattr(registry.KINDS.get(kind), "summary", "")
    model_cfg = cfg.get("model", {})
    train_cfg = cfg.get("train", {})
    split = stats["split"]
    tags = ["recommender-system", "rating-prediction", "review-based", "semax", "pytorch", kind]
    if cfg.get("synthetic"):
        tags.append("synthetic-data")
    lines = [
        "---",
        f"library_name: {LIBRARY_NAME}",
        f"license: {LICENSE}",
        "tags:",
        *[f"- {_yaml(t)}" for t in dict.fromkeys(tags)],
        "metrics:",
        "- mae",
        "- rmse",
        "model-index:",
        f"- name: {_yaml(title)}",
        "  results:",
        "  - task:",
        "      type: rating-prediction",
        "      name: Rating prediction",
        "    dataset:",
        f"      name: {_yaml(data_name)}",
        f"      type: {_yaml(data_name)}",
        "      split: chronological test (last 20%)",
        "    metrics:",
        f"    - type: mae\n      value: {_yaml(_round(m.get('mae')))}\n      name: Test MAE",
        f"    - type: rmse\n      value: {_yaml(_round(m.get('rmse')))}\n      name: Test RMSE",
        "---",
        "",
        f"# {title}",
        "",
        f"A **{kind}** model trained with SEMAX Studio {cfg.get('semax_version', '?')}: review-based rating prediction after Wang et al., "
        '"SEMAX: Multi-Task Learning for Improving Recommendations" (IEEE Access 2019).'
        + (f" {summary}." if summary else ""),
        "",
        "The files are plain data: weights in `model.safetensors`, vocabulary and id maps in JSON, the"
        " reviews in Parquet. Nothing is pickled; loading checks the model kind, the vocabulary and"
        " id-map sizes and every tensor shape.",
        "",
        "## Data",
        "",
        f"Trained on {data_text}.",
        "",
        "| | |",
        "|---|---|",
        f"| reviews (= ratings) | {stats['reviews']:,} |",
        f"| users / items | {stats['users']:,} / {stats['items']:,} |",
        f"| users / items with a trained factor (seen in the fitting split) | {stats['users_with_factor']:,} / {stats['items_with_factor']:,} |",
        f"| mean rating | {stats['mean_rating']:.3f} |",
        "| ratings 1 / 2 / 3 / 4 / 5 | "
        + " / ".join(f"{stats['ratings'].get(r, 0):,}" for r in range(1, 6))
        + " |",
        f"| vocabulary (words seen ≥ {cfg.get('data', {}).get('min_count', '?')} times in the fitting split) | {stats['vocabulary']:,} |",
        f"| words read per review (cut at {cfg.get('data', {}).get('max_words', '?')}) | {stats['words_read_mean']:.1f} mean, {stats['cut_share']:.0%} cut |",
        "",
        "Chronological split (nothing from the future is used to predict the past):",
        "",
        PROTOCOL_TEXT[(cfg.get("data") or {}).get("protocol", "online")],
        "",
        "| split | ratings | from | to |",
        "|---|---|---|---|",
        *[
            f"| {label} | {split[key]['n']:,} | {split[key]['first']} | {split[key]['last']} |"
            for key, label in (
                ("fit", "fit (training)"),
                ("valid", "validation (early stopping)"),
                ("test", "test"),
            )
        ],
        "",
        "## Metrics",
        "",
        "| split | n | MAE | RMSE |",
        "|---|---|---|---|",
        f"| test | {m.get('n', '–')} | {_num(m.get('mae'))} | {_num(m.get('rmse'))} |",
        f"| validation (best epoch {m.get('best_epoch', '–')}) | {split['valid']['n']} | | {_num(m.get('valid_rmse'))} |",
        "",
        f"Test ratings by a cold-start user: {_pct(m.get('cold_user_share'))};"
        f" of a cold-start item: {_pct(m.get('cold_item_share'))}.",
        "",
    ]
    by_user, by_item = m.get("by_user") or [], m.get("by_item") or []
    if by_user and by_item and len(by_user) == len(by_item):
        lines += [
            "Test error by the number of training ratings of the rating's user and of its item:",
            "",
            "| training ratings | user n | user MAE | user RMSE | item n | item MAE | item RMSE |",
            "|---|---|---|---|---|---|---|",
            *[
                f"| {bu.get('bucket')} | {bu.get('n')} | {_num(bu.get('mae'))} | {_num(bu.get('rmse'))}"
                f" | {bi.get('n')} | {_num(bi.get('mae'))} | {_num(bi.get('rmse'))} |"
                for bu, bi in zip(by_user, by_item, strict=True)
            ],
            "",
        ]
    history = m.get("history") or []
    if history:
        lines += [
            "Training curve:",
            "",
            "| epoch | train loss | validation RMSE | seconds |",
            "|---|---|---|---|",
            *[
                f"| {h.get('epoch')} | {_num(h.get('train_loss'))} | {_num(h.get('valid_rmse'))} | {_num(h.get('seconds'), 1)} |"
                for h in history
            ],
            "",
        ]
    settings = {
        k: model_cfg[k]
        for k in (
            "d_factor",
            "d_word",
            "d_text",
            "d_attn",
            "d_hidden",
            "beta",
            "lam",
            "dropout",
            "use_text",
            "pooling",
            "share_encoder",
        )  # fmt: skip
        if k in model_cfg
    }
    settings.update(
        {
            k: train_cfg[k]
            for k in ("epochs", "batch_size", "lr", "optimizer", "batching", "seed")
            if k in train_cfg
        }
    )
    settings.update(
        {
            k: cfg.get("data", {})[k]
            for k in ("max_words", "max_history", "min_count")
            if k in cfg.get("data", {})
        }
    )
    load_name = repo_id or "OWNER/NAME"
    user, item = _example_pair(bundle)
    lines += [
        "## Training",
        "",
        "```",
        str(cfg.get("command") or "(not recorded)"),
        "```",
        "",
        "Settings: "
        + ", ".join(f"`{k}={v}`" for k, v in settings.items())
        + f". Training took {_num(m.get('train_seconds'), 0)} s.",
        "",
        "## Usage",
        "",
        "With SEMAX Studio installed:",
        "",
        "```",
        f"python -m semax predict --model {load_name} --user {user} --item {item}",
        f"python -m semax recommend --model {load_name} --user {user} --top 10",
        f"python -m semax evaluate --model {load_name}",
        "```",
        "",
        "```python",
        "from semax import hub",
        "from semax.inference import Recommender",
        "",
        f'rec = Recommender.from_bundle(hub.load("{load_name}"))  # or a local folder',
        f'print(rec.predict("{user}", "{item}").rating)',
        "```",
        "",
        "With `HF_HUB_OFFLINE=1` the model loads from the local Hugging Face cache only.",
        "",
        "## Intended use",
        "",
        "Research and teaching: studying review-based rating prediction, multi-task learning with"
        " an attention-based related task, and the SEMAX paper's claims. It predicts how a user"
        " would rate an item from the ids and the two review histories, and (SEMAX) which words of"
        " a review carry its rating.",
        "",
        "## Limitations",
        "",
        "- The model only knows the users, items and words of its training data. Users or items"
        " unseen in the fitting split share one 'unknown' factor and rely on their review history;"
        " such cold-start predictions are flagged and are less accurate (see the bucket table).",
        "- Accuracy is measured on one chronological split of one dataset; it does not transfer"
        " to other domains, languages or time periods.",
        "- Review text is user-generated and may contain personal data or offensive content;"
        " the model can reproduce biases present in the reviews and ratings.",
        "- Attention weights show what the related task looked at, not a causal explanation.",
        "- Not for decisions that affect people (credit, jobs, moderation).",
    ]
    if cfg.get("synthetic"):
        lines.append(
            "- Trained on synthetic data: a demonstration of the method, not a model of real shoppers."
        )
    lines += [
        "",
        "## Citation",
        "",
        PAPER + ".",
        "",
        "```bibtex",
        "@article{wang2019semax,",
        "  title   = {{SEMAX}: Multi-Task Learning for Improving Recommendations},",
        "  author  = {Wang and others},",
        "  journal = {IEEE Access},",
        "  year    = {2019}",
        "}",
        "```",
    ]
    return "\n".join(lines) + "\n"


def _example_pair(bundle: Bundle) -> tuple[str, str]:
    users, items = bundle.data.users, bundle.data.items
    return (users[1] if len(users) > 1 else "USER"), (items[1] if len(items) > 1 else "ITEM")
