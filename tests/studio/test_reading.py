"""studio.reading: the Attention page's "Does the related task read the text?" in plain words."""

from __future__ import annotations

import pytest

from studio.reading import QUESTION, note, verdict


@pytest.mark.parametrize(
    ("correlation", "std", "reference", "words"),
    [
        (0.70, 0.01, 0.70, "nearly a constant"),  # whatever it correlates: it barely moves
        (0.66, 0.40, 0.68, "about as well as a bag-of-words"),
        (0.80, 0.40, 0.68, "better than a bag-of-words"),
        (0.50, 0.40, 0.68, "less than a bag-of-words"),
        (0.20, 0.40, 0.68, "reads little of the text"),
        (0.03, 0.40, 0.02, "Neither reads much"),
        (0.40, 0.40, 0.02, "more than a bag-of-words regression finds"),
    ],
)
def test_verdicts(correlation, std, reference, words):
    assert words in verdict(correlation, std, reference)


def test_the_note_gives_both_figures_and_the_verdict():
    reading = {
        "model": {"correlation": 0.612, "std": 0.45, "n": 4000, "lam": None},
        "reference": {"correlation": 0.655, "std": 0.5, "n": 4000, "lam": 1.0},
    }
    text = note(reading)
    assert text.startswith(f"**{QUESTION}**") and "4,000 test reviews" in text
    assert "0.612" in text and "0.655" in text and "λ = 1" in text
    assert text.endswith(verdict(0.612, 0.45, 0.655))
    reading["model"]["n"] = 1
    assert "too few test reviews" in note(reading)
