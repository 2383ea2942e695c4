"""The synthetic corpus's latent world: the rows `generate` writes, and tastes that drift."""

from __future__ import annotations

import numpy as np

from semax.synthetic import generator
from semax.synthetic import world as syn


def test_world_matches_the_frame():
    df, _ = generator.generate(800, seed=3)
    world = syn.build_world(800, seed=3)
    assert np.array_equal(world.rating, df["rating"].to_numpy())
    assert len(np.unique(world.user)) == df["user"].nunique()


def test_tastes_drift_and_the_ratings_follow():
    world = syn.build_world(20000, seed=0)
    moved = np.abs(world.taste_end - world.taste_start).sum(axis=1)
    assert np.median(moved) > 0.3
    start = np.einsum("nk,nk->n", world.taste_start[world.user], world.quality[world.item])
    end = np.einsum("nk,nk->n", world.taste_end[world.user], world.quality[world.item])
    early, late = world.position < 0.3, world.position > 0.7
    assert early.sum() > 3000 and late.sum() > 3000

    def corr(a, b):
        return float(np.corrcoef(a, b)[0, 1])

    r = world.rating.astype(float)
    # Early ratings follow the start taste, late ones the end taste.
    assert corr(r[early], start[early]) > corr(r[early], end[early]) + 0.03
    assert corr(r[late], end[late]) > corr(r[late], start[late]) + 0.03
