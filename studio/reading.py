"""The Attention page's "Does the related task read the text?": r̂_y's test correlation with the
stars beside a bag-of-words regression's (`semax.text_reference`), in plain words."""

from __future__ import annotations

QUESTION = "Does the related task read the text?"
CONSTANT_STD = 0.05  # r̂_y moving less than this (in stars) is nearly a constant
SAME = 0.05  # correlations this close read "about as well"
NOTHING = 0.1  # a reference correlation below this: the texts barely tell the stars


def verdict(correlation: float, std: float, reference: float) -> str:
    """Plain words for r̂_y's correlation with the stars (`correlation`, its spread `std`)
    against the bag-of-words regression's (`reference`), on the same reviews."""
    if std < CONSTANT_STD:
        return "r̂_y is nearly a constant: these attention weights mean little."
    if reference < NOTHING:
        if correlation < NOTHING:
            return "Neither reads much: these texts barely tell the stars."
        return "r̂_y reads more than a bag-of-words regression finds in these texts."
    if correlation > reference + SAME:
        return (
            "r̂_y reads the text better than a bag-of-words regression (it also sees the user "
            "and the item)."
        )
    if correlation >= reference - SAME:
        return "r̂_y reads the text about as well as a bag-of-words regression."
    if correlation >= reference / 2:
        return "r̂_y reads the text less than a bag-of-words regression does."
    return "r̂_y reads little of the text: a bag-of-words regression reads much more."


def note(reading: dict) -> str:
    """The page's note (markdown) from `studio.cached.text_reading`'s figures."""
    model, ref = reading["model"], reading["reference"]
    if model["n"] < 2:
        return f"**{QUESTION}** There are too few test reviews to tell."
    lam = f", λ = {ref['lam']:g}" if ref.get("lam") is not None else ""
    return (
        f"**{QUESTION}** On the {model['n']:,} test reviews, r̂_y correlates "
        f"{model['correlation']:.3f} with the stars (std {model['std']:.3f}); a bag-of-words "
        f"ridge regression (TF-IDF unigrams and bigrams, fitted on the training part{lam}) "
        f"{ref['correlation']:.3f}. "
        + verdict(model["correlation"], model["std"], ref["correlation"])
    )
