import numpy as np
import pytest

from semax.training.evaluate import correlation


def test_correlation_is_zero_when_either_side_is_constant():
    assert correlation(np.ones(5), np.arange(5)) == 0.0
    assert correlation(np.arange(5), np.ones(5)) == 0.0
    assert correlation(np.zeros(0), np.zeros(0)) == 0.0
    assert correlation(np.arange(5), 2 * np.arange(5) + 1) == pytest.approx(1.0)
