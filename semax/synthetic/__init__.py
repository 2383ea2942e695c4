"""The project's synthetic review corpus: planted, known signal for tests and the demo bundle.

`words` holds the word lists, `world` the latent users, items and ratings, `generator` the text
and the files, `truth` the ground truth written next to a corpus."""

from semax.synthetic.generator import generate, write_corpus
from semax.synthetic.truth import Truth, load_truth, truth_path

__all__ = ["Truth", "generate", "load_truth", "truth_path", "write_corpus"]
