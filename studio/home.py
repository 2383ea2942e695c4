"""The home page's logic: what is loaded (kind, data, sizes, split, protocol), its headline test
error beside the strongest baseline on the same test split, and the guided tour's steps, each an
address that opens its page on an example picked by a rule (`semax.examples`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from semax import examples
from semax.examples import Score
from studio import compare, navigation, results, state
from studio.markup import literal
from studio.state import Current
from studio.training import BASELINES

PAPER = (
    'Wang et al., "SEMAX: Multi-Task Learning for Improving Recommendations", *IEEE Access* 7, 2019'
)
INTRO = (
    "**SEMAX** predicts the rating a user would give an item from the reviews the user and the "
    "item received before, and learns it jointly with a *related task*: rating a review from its "
    "own words through attention, which shows which words the model reads. SEMAX Studio "
    f"implements it with the baselines it is measured against, and lets you study it here "
    f"({PAPER})."
)
SESSION = "trained on this model's data in this session"


@st.cache_data(show_spinner="Picking examples from the data…", max_entries=8)
def tour(_cur: Current, key: str) -> examples.Tour:
    """The tour's examples for the current model (`key`: its cache key)."""
    return examples.tour(_cur.model, _cur.data)


# -- what is loaded --------------------------------------------------------------------------


def data_name(config: dict) -> str:
    """The training data, for people: the synthetic demo corpus, or the file's name."""
    synthetic = config.get("synthetic")
    if isinstance(synthetic, dict):
        n, seed = synthetic.get("n_reviews"), synthetic.get("seed")
        return f"the synthetic demo corpus ({n:,} reviews, seed {seed})"
    source = str(config.get("data_source") or "")
    return Path(source).name if source else "unknown (the bundle does not say)"


def split_note(config: dict) -> str | None:
    """The chronological split's sizes from the bundle's cutoffs."""
    c = config.get("cutoffs") or {}
    if "n_test" not in c:
        return None
    return (
        f"Chronological split: {c.get('n_fit', 0):,} ratings to fit, {c.get('n_valid', 0):,} to "
        f"validate, the latest {c['n_test']:,} to test."
    )


def protocol_note(config: dict) -> str | None:
    """The protocol the bundle's config records (a name or its settings), if any."""
    p = config.get("protocol")
    if not p:
        return None
    if isinstance(p, dict):
        return "Protocol: " + ", ".join(f"{k} = {v}" for k, v in p.items())
    return f"Protocol: {p}"


def sizes(cur: Current) -> dict[str, str]:
    """Reviews, users and items of the loaded model's data."""
    r = cur.data.reviews
    return {
        "Reviews": f"{len(r):,}",
        "Users": f"{r['user'].nunique():,}",
        "Items": f"{r['item'].nunique():,}",
    }


# -- the strongest baseline ------------------------------------------------------------------


def results_label() -> str:
    """The results folder as the page names it (relative to the repository when inside)."""
    root = results.root()
    try:
        return str(root.resolve().relative_to(results.REPO))
    except ValueError:
        return str(root)


def session_scores(cur: Current) -> list[Score]:
    """Models trained in this session (the Compare page's baseline, the Model page's model) on
    the current model's data and test split, other than the current model."""
    out = []
    for key in (compare.BASELINE_KEY, state.TRAINED_KEY):
        other = st.session_state.get(key)
        if other is None or other.key == cur.key or compare.problems(cur, other):
            continue
        m = other.bundle.metrics
        if "rmse" in m and "mae" in m:
            out.append(Score(other.bundle.kind, m["mae"], m["rmse"], SESSION))
    return out


def baseline(cur: Current) -> Score | None:
    """The strongest baseline on the current model's test split: saved results and models
    trained in this session (`semax.examples.strongest`)."""
    saved = results.saved()
    scores = examples.saved_scores(saved.tables, cur.bundle.metrics, results_label())
    return examples.strongest(scores + session_scores(cur), exclude=[cur.bundle.kind])


def delta(metrics: dict, base: Score | None, name: str) -> str | None:
    """The model's test `name` (rmse, mae) minus the baseline's, for st.metric's delta."""
    if base is None or name not in metrics:
        return None
    return f"{metrics[name] - getattr(base, name):+.4f} vs {base.method}"


def verdict(kind: str, metrics: dict, base: Score) -> str:
    """One honest sentence: the model's test RMSE against the baseline's, win or lose."""
    mine = metrics.get("rmse")
    if mine is None:
        return f"This bundle records no test RMSE to set beside {literal(base.method)}'s."
    gap = mine - base.rmse
    if abs(gap) < 5e-5:
        how = "the same as"
    else:
        how = f"{abs(gap):.4f} {'lower (better)' if gap < 0 else 'higher (worse)'} than"
    return (
        f"**{literal(kind)}**'s test RMSE {mine:.4f} is {how} the strongest baseline "
        f"**{literal(base.method)}** ({base.rmse:.4f}, MAE {base.mae:.4f})."
    )


# -- the tour --------------------------------------------------------------------------------


@dataclass
class Link:
    page: str  # a route's url_path
    label: str
    params: dict[str, str] = field(default_factory=dict)


def page_link(link: Link) -> dict:
    """`st.page_link`'s arguments for `link`."""
    script = str(navigation.route(link.page).script)
    return {"page": script, "label": link.label, "query_params": link.params}


@dataclass
class Step:
    title: str
    why: str  # markdown: how the example was picked (untrusted parts escaped)
    links: list[Link]


def with_model(params: dict) -> dict[str, str]:
    """`params` plus the address's `model` (so a link names the loaded model too)."""
    model = st.query_params.get("model")
    out = {k: str(v) for k, v in params.items() if v is not None}
    return {**out, "model": model} if model else out


def table3_link(base: Score) -> Link | None:
    """Table 3 on the Errors page for saved results; None for a model trained here."""
    if base.dataset is None:
        return None
    params = {"tab": navigation.SAVED_TAB, "dataset": base.dataset}
    return Link("errors", "Table 3 on the Errors page", with_model(params))


def compare_link(base: Score | None) -> Link:
    """The Compare page: B is a baseline trained in this session, or the baseline trainer
    with the strongest baseline's kind chosen when it trains in one click."""
    kind = base.method if base is not None and base.method in BASELINES else None
    label = "Compare it with a baseline on the same test split"
    return Link("compare", label, with_model({"baseline": kind}))


def steps(cur: Current, t: examples.Tour, base: Score | None) -> list[Step]:
    """The guided tour: predict → what-if → attention → errors and comparison."""
    u, i = literal(t.user), literal(t.item)
    pair = {"user": t.user, "item": t.item}
    predict = Step(
        "Predict a rating for a user and an item",
        f"User **{u}** has the most ratings in the training split ({t.user_ratings:,}); "
        f"**{i}** is the most-rated item ({t.item_ratings:,}) they have not rated. "
        + (
            "The model reads both histories and predicts r̂_uv."
            if cur.histories
            else f"{literal(cur.bundle.kind)} predicts r̂_uv from the ids alone."
        ),
        [Link("predictor", "Predict it", with_model(pair))],
    )
    if t.what_if_review is not None:
        rating = cur.data.reviews.at[t.what_if_review, "rating"]
        why = (
            f"The text of review #{t.what_if_review} (★{rating:g}), the review of {i} farthest "
            f"from {u}'s mean rating, typed as {u}'s own review of it: "
        )
    else:
        why = "A review typed as the user's own: "
    why += "r̂_y rates the text alone, and r̂_uv moves as it joins the user's history."
    kind = literal(cur.bundle.kind)
    if not cur.histories:
        why += f" ({kind} reads no texts at all: the page says so.)"
    elif not cur.related:
        why += f" ({kind} has no related task: it cannot rate a text, but r̂_uv still moves.)"
    what_if = Step(
        "Ask a what-if",
        why,
        [Link("predictor", "Try the what-if", with_model({**pair, "whatif": t.what_if}))],
    )
    if t.review_peak is not None:
        why = (
            f"Review #{t.review} is the one of {u}'s latest reviews whose attention is the most "
            f"peaked: its top word gets {t.review_peak:.1f}× a uniform share."
        )
    else:
        why = (
            f"{literal(cur.bundle.kind)} has no word attention; the page opens {u}'s latest "
            "review and the earlier reviews that drive its rating."
        )
    words = Step(
        "See which words the model reads in that user's reviews",
        why,
        [Link("attention", "Read the attention", with_model({"user": t.user, "review": t.review}))],
    )
    against = (
        f"the strongest baseline here, **{literal(base.method)}**"
        if base is not None
        else "a baseline trained in one click on the same data"
    )
    errs = Step(
        "See where the model errs, and against what",
        "Test error by how many ratings the user and the item had in training (the paper's "
        f"Figures 4-5), then the same test ratings against {against}, with a paired bootstrap.",
        [
            Link("errors", "Errors by rating count", with_model({"tab": navigation.CURRENT_TAB})),
            compare_link(base),
        ],
    )
    return [predict, what_if, words, errs]
