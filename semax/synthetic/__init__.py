"""The project's synthetic review corpus: planted, known signal for tests and the demo bundle."""

from semax.synthetic.generator import Truth, generate, load_truth, truth_path, write_corpus

__all__ = ["Truth", "generate", "load_truth", "truth_path", "write_corpus"]
