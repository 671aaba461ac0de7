"""The arithmetic of benchmarks/table.py (pairing, medians, ranges); no benchmark runs here."""

from __future__ import annotations

import pytest

from benchmarks.table import Spread, spread, summarise_pairs


def test_ratios_are_taken_pair_by_pair():
    p = summarise_pairs([(2.0, 1.0), (3.0, 2.0), (4.0, 1.0)])
    assert (p.ratio.median, p.ratio.low, p.ratio.high) == (2.0, 1.5, 4.0)
    assert (p.median_a, p.median_b) == (3.0, 1.0)
    assert p.overhead == 2.0  # difference of the medians, not the median of the differences


def test_spread_of_an_even_count_is_the_middle_mean():
    assert spread([4.0, 1.0, 3.0, 2.0]) == Spread(2.5, 1.0, 4.0)
    with pytest.raises(ValueError):
        spread([])
