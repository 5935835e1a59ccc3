"""The tolerance rule: float32 passes, a 1 % gradient error fails, exact zeros get a floor, and messages say
how much and where."""
import numpy as np
import pytest

from grader.judge import compare


def test_one_percent_gradient_error_fails_even_when_update_is_tiny_next_to_w():
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.5, (4, 4))
    grad = rng.normal(0, 1, (4, 4))
    lr = 1e-3  # update ~1e-3, W ~0.5
    c = compare.compare_update(name="W_hh", before=w, expected_before=w, expected_after=w - lr * grad,
                               actual_after=w - lr * grad * 1.01, injected=w, dtype="float64")
    assert not c.passed
    assert c.rel_err == pytest.approx(0.01, rel=1e-6)
    assert "update of W_hh differs by up to" in c.message() and "1 %" in c.message()


def test_float32_rounding_passes():
    rng = np.random.default_rng(1)
    w = rng.normal(0, 0.5, (5, 3)).astype(np.float32)
    grad = rng.normal(0, 1, (5, 3))
    after32 = (w - np.float32(0.01) * grad.astype(np.float32)).astype(np.float32)
    w64 = w.astype(float)
    c = compare.compare_update(name="W_xh", before=w64, expected_before=w64, expected_after=w64 - 0.01 * grad,
                               actual_after=after32.astype(float), injected=w64, dtype="float32")
    assert c.passed, c.message()


def test_zero_reference_update_has_a_dtype_floor():
    w = np.full((3, 3), 0.7)
    exact = compare.compare_update(name="W_hh", before=w, expected_before=w, expected_after=w, actual_after=w,
                                   injected=w, dtype="float64")
    assert exact.passed and exact.tolerance > 0
    wrong = compare.compare_update(name="W_hh", before=w, expected_before=w, expected_after=w,
                                   actual_after=w - 1e-4, injected=w, dtype="float32")
    assert not wrong.passed and wrong.rel_err == float("inf")


def test_message_names_worst_entry_and_tolerance():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    actual = expected.copy()
    actual[1, 0] = 3.5
    c = compare.compare_arrays(name="outputs", expected=expected, actual=actual, rtol=1e-4)
    assert not c.passed and c.worst_index == (1, 0)
    assert c.expected_at == 3.0 and c.actual_at == 3.5 and c.max_abs_err == 0.5
    assert "at [1, 0]: expected 3, got 3.5" in c.message() and "12.5 %" in c.message()


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        compare.compare_arrays(np.zeros(2), np.zeros(2), 1e-3)  # type: ignore[misc]


def test_the_floor_is_sized_from_what_the_grader_injected_and_a_dtype_it_injects():
    injected = np.full((3, 3), 0.7)
    float64, float32 = (compare.update_floor(weights=injected, dtype=d) for d in ("float64", "float32"))
    assert float64 == 32 * np.finfo(np.float64).eps and float32 == 32 * np.finfo(np.float32).eps
    # A dtype the grader never injects (a learner reporting float16) gets no wider floor than float64's.
    assert compare.update_floor(weights=injected, dtype="float16") == float64
    # A zero update passes nowhere, whatever the learner's object reports its weights as (one entry of 1e15).
    lie = injected.copy()
    lie[0, 0] = 1e15
    c = compare.compare_update(name="W_xh", before=lie, expected_before=injected, expected_after=injected - 0.01,
                               actual_after=lie, injected=injected, dtype="float16")
    assert not c.passed and c.tolerance < 1e-4


def test_weights_read_back_must_be_those_injected_or_their_float32_rounding():
    rng = np.random.default_rng(2)
    injected = rng.normal(0, 0.5, (4, 3))
    assert compare.read_back_error(injected=injected, read_back=injected.copy()) is None
    assert compare.read_back_error(injected=injected, read_back=injected.astype(np.float32)) is None
    lie = injected.copy()
    lie[2, 1] = 1e15
    err, at = compare.read_back_error(injected=injected, read_back=lie)
    assert at == (2, 1) and err == pytest.approx(1e15)
    coarse = compare.read_back_error(injected=injected, read_back=injected.astype(np.float16))
    assert coarse is not None and 0 < coarse[0] < 1e-2
    nan = injected.copy()
    nan[0, 0] = np.nan
    assert compare.read_back_error(injected=injected, read_back=nan) == (float("inf"), (0, 0))
