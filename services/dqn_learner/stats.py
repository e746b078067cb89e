"""The learner's numbers: counters and latency windows, written as TensorBoard scalars and a JSON file.

One `snapshot()` feeds all three outputs (heartbeat, TensorBoard, stats file), so the
dashboard, `crystal-rl status` and TensorBoard never disagree. Tags are namespaced the
CleanRL way (`charts/…`, `losses/…`, `latency/…`); the heartbeat and the JSON file use
the same names with `/` turned into `_`.

Finished episodes (the `episodes` stream) go to TensorBoard too, with the env steps as their
x axis: `episode/return`, `episode/length` and `milestone/<name>` (1 reached, 0 not) for
training episodes, the same under `eval/` for greedy evaluations.
"""

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch.utils.tensorboard import SummaryWriter

from shared.counters import Counters
from shared.files import atomic_writer
from shared.game.episode import MILESTONES
from shared.messages import Episode

log = logging.getLogger(__name__)


class LatencyWindow:
    """The last `size` samples of one latency, in milliseconds, for p50/p99 (thread-safe appends)."""

    def __init__(self, size: int = 2_000) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def add(self, ms: float) -> None:
        self._samples.append(ms)

    def percentiles(self) -> tuple[float, float]:
        """(p50, p99), 0.0 each while empty."""
        if not self._samples:
            return 0.0, 0.0
        p50, p99 = np.percentile(np.fromiter(self._samples, dtype=np.float64), [50, 99])
        return float(p50), float(p99)


def learner_counters() -> Counters:
    """Totals since the process started (persisted ones live in the checkpoint instead):

    - `frames`: frames handled (learned from); redeliveries of refilled entries are not counted here;
    - `refilled`: frames read back from the streams at start to refill the replay buffer;
    - `refill_bad`: entries of the refill window that could not be decoded (skipped; the consumer dead-letters them);
    - `skipped`: entries delivered by the group that the refill had already learned from (acknowledged only);
    - `batches`: forward passes that answered frames (each answers one frame per env at most);
    - `superseded`: frames not answered because a newer frame of the same env arrived first;
    - `stale`: frames older than `answer_max_age_ms` when read: learned from, not answered;
    - `late`: actions published more than `action_deadline_ms` after their frame was made;
    - `episodes`: finished episodes read from the `episodes` stream and written to TensorBoard (training and eval);
    - `episodes_bad`: entries of the `episodes` stream that could not be decoded (skipped).
    """
    return Counters(
        "frames refilled refill_bad skipped actions_sent batches superseded stale late checkpoints "
        "checkpoint_failures train_failures episodes episodes_bad"
    )


class Stats:
    """Collects the learner's numbers and writes them out every `stats_interval`."""

    def __init__(
        self, stats_file: Path, tensorboard_dir: Path | None, hyperparameters: dict[str, Any], batch_size: int = 1
    ) -> None:
        self.counters = learner_counters()
        self.inference = LatencyWindow()
        """Forward pass of one answering batch, ms."""
        self.turnaround = LatencyWindow()
        """From a frame handed to the learner to its action written to Redis, ms: the learner's own share."""
        self.answer = LatencyWindow()
        """From the frame's entry in Redis (its id, whole milliseconds) to the action published, ms."""
        self.batch_sizes: deque[int] = deque(maxlen=2_000)
        self.stats_file = stats_file
        self.writer: SummaryWriter | None = None
        if tensorboard_dir is not None:
            self.writer = SummaryWriter(str(tensorboard_dir))
            table = "\n".join(f"|{k}|{v}|" for k, v in sorted(hyperparameters.items()))
            self.writer.add_text("hyperparameters", f"|param|value|\n|-|-|\n{table}")
        self.emulators: dict[str, float] = {}
        """Summed counters of the emulators' heartbeats (deadline misses are theirs to count)."""
        self.batch_size = batch_size
        self._rate_mark: tuple[float, int, int, int] | None = None
        self.updates_per_s = 0.0
        self.frames_per_s = 0.0
        self.samples_per_step = 0.0
        """Samples trained on per env step (updates x batch size / transitions) over the last rate window;
        kept while no transition came (the emulators held, or gone)."""
        self.milestones: dict[str, None] = dict.fromkeys(MILESTONES)
        """Milestones any episode reached so far (and the usual ones): each episode says 1 or 0 for each."""
        self._lock = threading.Lock()

    def snapshot(self, learner_values: dict[str, float]) -> dict[str, float]:
        """Every number, by tag; `learner_values` are the learner's own (loss, epsilon, buffer, ...)."""
        now = time.monotonic()
        updates = int(learner_values.get("charts/updates", 0))
        transitions = int(learner_values.get("charts/transitions", 0))
        with self._lock:
            if self._rate_mark is None:
                self._rate_mark = (now, updates, self.counters.frames, transitions)
            mark_time, mark_updates, mark_frames, mark_transitions = self._rate_mark
            if now - mark_time >= 1.0:
                self.updates_per_s = (updates - mark_updates) / (now - mark_time)
                self.frames_per_s = (self.counters.frames - mark_frames) / (now - mark_time)
                if transitions > mark_transitions:
                    samples = (updates - mark_updates) * self.batch_size
                    self.samples_per_step = samples / (transitions - mark_transitions)
                self._rate_mark = (now, updates, self.counters.frames, transitions)
        inf50, inf99 = self.inference.percentiles()
        ans50, ans99 = self.answer.percentiles()
        turn50, turn99 = self.turnaround.percentiles()
        batches = list(self.batch_sizes)
        values: dict[str, float] = {
            **learner_values,
            "charts/updates_per_s": round(self.updates_per_s, 2),
            "charts/frames_per_s": round(self.frames_per_s, 2),
            "charts/samples_per_step": round(self.samples_per_step, 3),
            "latency/inference_ms_p50": round(inf50, 3),
            "latency/inference_ms_p99": round(inf99, 3),
            "latency/turnaround_ms_p50": round(turn50, 3),
            "latency/turnaround_ms_p99": round(turn99, 3),
            "latency/answer_ms_p50": round(ans50, 3),
            "latency/answer_ms_p99": round(ans99, 3),
            "latency/batch_size_mean": round(float(np.mean(batches)), 2) if batches else 0.0,
            **self.counters.as_dict("counters/"),
            **{f"emulator/{k}": v for k, v in self.emulators.items()},
        }
        return values

    def write(self, values: dict[str, float], step: int) -> None:
        """TensorBoard scalars at `step` (the update count) and the JSON file, atomically replaced."""
        if self.writer is not None:
            for tag, value in values.items():
                self.writer.add_scalar(tag, value, step)
            self.writer.flush()
        write_json_atomic(self.stats_file, {"ts": time.time(), **flat(values)})

    def write_episodes(self, episodes: Sequence[Episode]) -> None:
        """Each episode's return, length and milestones at x = its `env_steps` (eval ones under `eval/`)."""
        self.counters.episodes += len(episodes)
        if self.writer is None or not episodes:
            return
        for episode in episodes:
            self.milestones.update(dict.fromkeys(episode.milestones))
            prefix = "eval/" if episode.eval else ""
            x = episode.env_steps
            self.writer.add_scalar(f"{prefix}episode/return", episode.total_reward, x)
            self.writer.add_scalar(f"{prefix}episode/length", episode.steps, x)
            for name in self.milestones:
                self.writer.add_scalar(f"{prefix}milestone/{name}", int(name in episode.milestones), x)
        self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def flat(values: dict[str, float]) -> dict[str, float]:
    """Tags as heartbeat and JSON keys: `losses/td_loss` -> `losses_td_loss`."""
    return {tag.replace("/", "_"): value for tag, value in values.items()}


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write `data` as JSON via a temp file and a rename: a reader never sees half a file."""
    with atomic_writer(path, "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
