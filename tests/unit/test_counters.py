"""The one counters type: totals by name, a misspelt name refused with the known ones."""

import pytest

from shared.counters import Counters
from shared.streams import StreamCounters


def test_totals_count_by_name_and_come_out_in_the_order_named() -> None:
    counters = Counters("steps saves")
    counters.steps += 3
    counters.saves += 1
    assert counters.as_dict() == {"steps": 3, "saves": 1}
    assert list(counters.as_dict("source_")) == ["source_steps", "source_saves"]


def test_a_name_that_is_no_counter_is_an_error_naming_the_counters() -> None:
    counters = Counters("steps saves")
    with pytest.raises(AttributeError, match="no counter 'stpes': the counters are steps, saves"):
        counters.stpes += 1
    with pytest.raises(ValueError, match="named twice"):
        Counters("steps steps")


def test_the_streams_layer_counts_with_the_same_type() -> None:
    counters = StreamCounters()
    counters.published += 2
    assert isinstance(counters, Counters)
    assert counters.as_dict()["published"] == 2 and counters.as_dict()["loop_errors"] == 0
