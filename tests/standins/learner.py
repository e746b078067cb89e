"""A stand-in for the learner in tests and benchmarks, named as such: it speaks the real streams, nothing more."""

import json
import threading

import redis

from shared.buttons import Button
from shared.health import Health
from shared.keys import Keys
from shared.messages import Action, ActionSource


class StandInLearner:
    """Answers every frame with one fixed button for that exact step and keeps a learner heartbeat alive.

    A stand-in for the DQN learner process, so the lockstep can be tested and measured on its own.
    `skip_every=k` leaves every k-th step unanswered (to make deadlines miss on purpose).
    """

    def __init__(self, url: str, button: Button, env: str = "0", skip_every: int = 0, keys: Keys | None = None) -> None:
        self.client = redis.Redis.from_url(url)
        self.keys = keys or Keys()
        self.button, self.env, self.skip_every = button, env, skip_every
        self.answered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="standin-learner")

    def __enter__(self) -> "StandInLearner":
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.client.delete(self.keys.health("dqn_learner", "standin"))
        self.client.close()

    def _beat(self) -> None:
        health = Health(service="dqn_learner", instance="standin", status="running", started_at=0, ts=0, interval=1)
        self.client.set(self.keys.health("dqn_learner", "standin"), health.model_dump_json(), px=3000)

    def _run(self) -> None:
        last = "$"
        beats = 0
        while not self._stop.is_set():
            beats += 1
            if beats % 200 == 0:
                self._beat()
            reply = self.client.xread({self.keys.frames(self.env): last}, block=200, count=50)
            for _, rows in reply or []:
                for entry_id, fields in rows:
                    last = entry_id
                    step = json.loads(fields[b"json"])["step"]
                    if self.skip_every and step % self.skip_every == 0:
                        continue
                    answer = Action(env=self.env, step=step, source=ActionSource.DQN, buttons=(self.button,))
                    self.client.xadd(self.keys.actions(self.env), answer.to_fields())
                    self.answered += 1
