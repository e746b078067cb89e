"""What a frame costs Redis: bytes on the wire, bytes in memory, and a frames stream at its configured MAXLEN."""

import tempfile
from pathlib import Path
from typing import Any

import redis

from bench.harness import KEYS, play
from shared.redis_server import LocalRedis
from shared.streams import StreamSettings


def run(rom: Path, steps: int = 2000) -> dict[str, Any]:
    maxlen = StreamSettings().frames_maxlen
    with tempfile.TemporaryDirectory() as tmp, LocalRedis(Path(tmp) / "redis") as server:
        frames = play(server.url, Path(tmp) / "data", rom, steps)
        client = redis.Redis.from_url(server.url)
        try:
            stream = KEYS.frames("0")
            wire = [sum(len(k) + len(v) for k, v in f.to_fields().items()) for f in frames]
            filler = frames[-1].to_fields()
            for start in range(0, maxlen, 500):
                pipe = client.pipeline(transaction=False)
                for _ in range(min(500, maxlen - start)):
                    pipe.xadd(stream, filler)  # type: ignore[arg-type]
                pipe.execute()
            usage = int(client.memory_usage(stream, samples=0) or 0)
            length = int(client.xlen(stream))
        finally:
            client.close()
    return {
        "frame_wire_bytes": sum(wire) / len(wire),
        "frame_screen_bytes": len(frames[-1].screen),
        "frame_json_bytes": len(frames[-1].model_dump_json(exclude={"screen"})),
        "frames_maxlen": maxlen,
        "stream_entries": length,
        "stream_memory_mb_at_maxlen": usage / 2**20,
        "memory_bytes_per_frame": usage / max(1, length),
    }
