import threading

import pytest
import torch

from semax.models import parallel


@pytest.fixture
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _calls(dtype=torch.float64):
    """Five calls: four share one LSTM (their gradient sums depend on the order), one its own."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(4, 3).to(dtype)
    other = torch.nn.LSTM(4, 3).to(dtype)
    shapes = ((5, 2), (7, 3), (2, 4), (6, 5), (3, 2))
    xs = [torch.randn(t, n, 4, dtype=dtype, requires_grad=True) for t, n in shapes]
    return [(lstm, x) for x in xs[:4]] + [(other, xs[4])], [lstm, other]


def _outputs_and_grads(threads: int, dtype=torch.float64):
    calls, modules = _calls(dtype)
    with parallel.using(threads):
        hs = parallel.lstms(calls)
    sum((h**2).sum() for h in hs).backward()  # a loss that uses every output element
    grads = [x.grad for _, x in calls] + [p.grad for m in modules for p in m.parameters()]
    return hs, grads


def test_calls_at_once_equal_the_calls_in_order_with_their_gradients(one_torch_thread):
    (h1, g1), (h2, g2) = _outputs_and_grads(1), _outputs_and_grads(2)
    assert all(torch.equal(a, b) for a, b in zip(h1, h2, strict=True))
    assert all(torch.allclose(a, b, rtol=0, atol=1e-12) for a, b in zip(g1, g2, strict=True))


def test_shared_parameters_get_the_sum_over_their_calls_bit_for_bit_in_float32(one_torch_thread):
    # the same float sums as autograd makes in order: training repeats exactly on any thread count
    (_, g1), (_, g2) = _outputs_and_grads(1, torch.float32), _outputs_and_grads(2, torch.float32)
    assert all(torch.equal(a, b) for a, b in zip(g1, g2, strict=True))


def _threads_used(threads: int) -> set[str]:
    calls, modules = _calls()
    names: set[str] = set()
    for m in modules:
        m.register_forward_hook(lambda *_: names.add(threading.current_thread().name))
    with parallel.using(threads):
        parallel.lstms(calls)
    return names


def test_two_threads_run_the_calls_on_the_workers_and_one_on_the_caller(one_torch_thread):
    _threads_used(3)  # a larger pool made first is not used for 2
    used = _threads_used(2)
    assert all(name.startswith("semax-lstm-2_") for name in used) and len(used) <= 2
    assert _threads_used(1) == {threading.current_thread().name}


def test_calls_stay_in_order_when_torch_runs_several_threads_itself():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert _threads_used(2) == {threading.current_thread().name}
    finally:
        torch.set_num_threads(before)


def test_the_workers_keep_the_callers_no_grad_and_inference_modes(one_torch_thread):
    calls, _ = _calls()
    with parallel.using(2):
        with torch.no_grad():
            assert not any(h.requires_grad for h in parallel.lstms(calls))
        with torch.inference_mode():
            assert all(h.is_inference() for h in parallel.lstms(calls))
        assert all(h.requires_grad for h in parallel.lstms(calls))


def test_using_restores_the_thread_count_and_refuses_zero():
    before = parallel.threads()
    with parallel.using(3):
        assert parallel.threads() == 3
    assert parallel.threads() == before
    with pytest.raises(ValueError, match="at least 1"):
        parallel.set_threads(0)


def test_the_thread_count_belongs_to_the_thread_that_sets_it():
    seen = []
    with parallel.using(2):
        other = threading.Thread(target=lambda: seen.append(parallel.threads()))
        other.start()
        other.join()
        assert parallel.threads() == 2
    assert seen == [1]  # another thread (a query beside a training job) keeps the default
