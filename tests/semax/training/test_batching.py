import numpy as np
import pytest

from semax.training.batching import make_batch


@pytest.mark.parametrize("encode", ["unique", "slots"])
def test_batches_list_reviews_by_ascending_length_and_histories_still_point_at_them(
    tiny_data, encode
):
    rows = tiny_data.fit_rows[:64]
    batch = make_batch(tiny_data, rows, encode, target_text=True, one_pass=encode == "unique")
    lengths = batch.review_lengths.numpy()
    assert (np.diff(lengths) >= 0).all()
    store = tiny_data.store
    for side, history in (("user", tiny_data.user_history), ("item", tiny_data.item_history)):
        index = getattr(batch, f"{side}_history").numpy()
        for b, row in enumerate(rows):
            for slot, review in enumerate(history[row]):
                if review < 0:
                    assert index[b, slot] == -1
                    continue
                n = store.lengths[review]
                assert lengths[index[b, slot]] == n
                np.testing.assert_array_equal(
                    batch.review_tokens[index[b, slot], :n].numpy(), store.tokens[review, :n]
                )
    if encode == "unique":
        for b, row in enumerate(rows):
            n = store.lengths[row]
            np.testing.assert_array_equal(
                batch.review_tokens[batch.target_index[b], :n].numpy(), store.tokens[row, :n]
            )
