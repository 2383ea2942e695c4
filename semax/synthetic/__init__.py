"""The project's synthetic review corpus: readable reviews with planted, known signal, for tests
and the demo bundle.

`grammar` holds the phrases, `words` the word lists derived from them, `tables` the phrases
rendered into text pieces, `world` the latent users, items and ratings, `reviews` the text of
each review, `generator` the files, `truth` the ground truth written next to a corpus."""

from semax.synthetic.generator import generate, write_corpus
from semax.synthetic.truth import Truth, load_truth, truth_path

__all__ = ["Truth", "generate", "load_truth", "truth_path", "write_corpus"]
