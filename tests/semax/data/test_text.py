import numpy as np

from semax.data.text import PAD, UNK, Vocab, build_token_store, tokenize


def test_tokenize_lowercases_and_keeps_contractions():
    assert tokenize("It's GREAT, 'don't'-stop 4ever!") == [
        "it's",
        "great",
        "don't",
        "stop",
        "4ever",
    ]


def test_rare_words_become_unk_counting_only_the_fitting_rows():
    texts = ["alpha alpha beta", "alpha beta", "beta gamma gamma gamma"]
    store = build_token_store(
        texts, fit_mask=np.array([True, True, False]), max_words=5, min_count=2
    )
    assert store.vocab.words[:2] == ["<PAD>", "<UNK>"]
    assert "alpha" in store.vocab.index and "beta" in store.vocab.index
    assert "gamma" not in store.vocab.index  # frequent, but only outside the fitting split
    assert store.tokens[2].tolist()[:4] == [store.vocab.index["beta"], UNK, UNK, UNK]


def test_reviews_are_cut_and_padded():
    store = build_token_store(["a b c d e f", ""], np.array([True, True]), max_words=4, min_count=1)
    assert store.tokens.shape == (2, 4)
    assert store.lengths.tolist() == [4, 0]
    assert store.tokens[1].tolist() == [PAD] * 4


def test_words_past_the_cut_still_count_for_the_vocabulary():
    store = build_token_store(["x y z z z", "z"], np.array([True, True]), max_words=1, min_count=4)
    assert "z" in store.vocab.index


def test_vocab_reuse_reproduces_ids():
    texts = ["good sound", "bad sound"]
    first = build_token_store(texts, np.array([True, True]), 3, min_count=1)
    again = build_token_store(
        texts[::-1], np.array([False, False]), 3, vocab=Vocab(first.vocab.words)
    )
    assert np.array_equal(again.tokens[::-1], first.tokens)


def test_token_store_tokens_equal_tokenize():
    texts = [
        "Don't STOP 'til it's done!!",
        "café naïve\\x01 x",
        "''' a''b",
        "",
        "rock'n'roll 4ever",
    ]
    store = build_token_store(texts, np.ones(len(texts), bool), max_words=10, min_count=1)
    for r, text in enumerate(texts):
        ids = store.tokens[r, : store.lengths[r]]
        assert [store.vocab.words[i] for i in ids] == tokenize(text)


def test_a_deferred_store_tokenizes_once_on_first_use_and_pickles_as_a_plain_store():
    import pickle
    import threading

    from semax.data.text import DeferredTokenStore, TokenStore

    texts = ["good sound", "bad strap broke", "good good"]
    fit = np.ones(3, dtype=bool)
    vocab = build_token_store(texts, fit, max_words=4, min_count=1).vocab
    calls = []

    def build():
        calls.append(1)
        return build_token_store(texts, fit, max_words=4, min_count=1, vocab=vocab)

    store = DeferredTokenStore(build, vocab)
    assert not store.built and store.vocab is vocab and calls == []
    threads = [threading.Thread(target=lambda: store.tokens) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and store.built
    assert store.lengths.tolist() == [2, 3, 2] and store.max_words == 4
    plain = pickle.loads(pickle.dumps(store))
    assert type(plain) is TokenStore and np.array_equal(plain.tokens, store.tokens)
