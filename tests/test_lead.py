"""When the advisor may call a mode clearly the fastest (ntb_site.statistics.lead): only when
per-process rounds show the lead beyond the margin with confidence."""

import pytest

from ntb_site.statistics.lead import MARGIN, lead

BEST = [1.00, 1.02, 0.99, 1.01]


def test_a_lead_beyond_the_margin_in_every_round_is_clear():
    found = lead(BEST, [1.30, 1.28, 1.33, 1.31])
    assert found.clear and found.ratio == pytest.approx(1.30, rel=0.02)
    assert found.reason() == "clear: 1.30× ahead, 4/4 rounds"


def test_two_rounds_a_side_are_never_clear_however_far_apart():
    found = lead(BEST[:2], [3.0, 3.1])
    assert not found.clear and not found.decidable
    assert found.reason() == "not clear: too few rounds (2/2)"


def test_a_lead_within_the_margin_is_not_clear_even_if_every_round_agrees():
    found = lead(BEST, [x * 1.05 for x in BEST])
    assert not found.clear and found.decidable and found.ratio < MARGIN
    assert "not surely beyond 1.10×" in found.reason()


def test_one_overlapping_process_is_enough_to_be_not_clear():
    """The real 1e4 gaussians rounds of the whole-matrix run: one prange process as fast as numpy."""
    numpy, prange = [24.3, 25.0, 24.9, 25.4], [25.6, 25.2, 25.4, 41.3]
    assert not lead(numpy, prange).clear
    assert not lead([21.0, 21.5, 22.0, 21.2], [28.0, 27.5, 21.1, 28.2]).clear


def test_lead_names_the_missing_side():
    with pytest.raises(ValueError, match="best, runner_up"):
        lead([], [1.0])
