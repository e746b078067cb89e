"""A heartbeat written by a newer version (a field this one does not know) is still read."""

import json

from shared.health import Health


def test_a_heartbeat_with_a_field_this_version_does_not_know_is_read() -> None:
    written = Health(service="llm_planner", instance="gpu-1", started_at=1.0, ts=2.0, interval=1.0).model_dump()
    newer = json.dumps({**written, "gpu_memory_mb": 4096})
    read = Health.model_validate_json(newer)
    assert (read.service, read.instance, read.ts) == ("llm_planner", "gpu-1", 2.0)
