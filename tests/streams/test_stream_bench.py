"""The round-trip bench runs end to end on a tiny budget and reports every variant."""

import pytest

from bench.streams_roundtrip import measure

pytestmark = pytest.mark.timeout(60)


def test_roundtrip_bench_reports_all_variants(redis_url: str) -> None:
    result = measure(redis_url, n=20, warmup=5)
    assert result["frame_bytes"] >= 5_000
    for variant in ("api", "raw_async", "raw_sync_pipelined"):
        figures = result[variant]
        assert figures["n"] == 20
        assert 0 < figures["median_ms"] <= figures["p99_ms"] < 1_000
