"""Commands from the dashboard or the CLI (`control:{env}`), carried out by the step loop between two steps.

`pause`/`resume`, `press` (played before anything else), `save` (the state of this step, written
in the background), `load` (the file read in the background, the state loaded between two
steps), `set_llm_interval`. Every command is acknowledged in `events` (`control_ack`), with the
reason when it failed; a bad one never stops the game. The run's first `load` becomes the start
state of later episodes, unless one was given (`--start-state`).
"""

from collections import deque

from services.emulator.arbiter import Arbiter
from services.emulator.outbox import Outbox
from services.emulator.persistence import SAVE_ERRORS, Persistence, SaveJob
from services.emulator.planning import Planning
from services.emulator.resets import Resets
from services.emulator.run_state import RunState
from services.emulator.savestates import SaveMeta, SaveStateStore
from shared.counters import Counters
from shared.errors import CrystalRLError
from shared.game.core import GameCore
from shared.messages import ControlCommand


class Commands:
    def __init__(
        self,
        core: GameCore,
        store: SaveStateStore,
        arbiter: Arbiter,
        planning: Planning,
        persistence: Persistence,
        resets: Resets,
        run: RunState,
        outbox: Outbox,
    ) -> None:
        self.core = core
        self.store = store
        self.arbiter = arbiter
        self.planning = planning
        self.persistence = persistence
        self.resets = resets
        self.run = run
        self.outbox = outbox
        self.queue: deque[ControlCommand] = deque()
        """Commands taken from the inbox, carried out by the step loop between two steps."""
        self.loads: deque[tuple[ControlCommand, bytes, SaveMeta]] = deque()
        """Named states read from disk in the background, loaded by the step loop between two steps."""
        self.counters = Counters("controls bad_controls")

    async def carry_out(self) -> bool:
        """Every queued command and every named state read meanwhile. True when a state was loaded (the next
        frame then starts afresh: it is not the outcome of an action)."""
        loaded = False
        while self.loads:
            command, data, meta = self.loads.popleft()
            try:
                self.core.load(data, meta.name)
            except CrystalRLError as exc:
                await self._ack(command, False, str(exc))
                continue
            loaded = True
            detail = f"loaded {meta.name} (saved at step {meta.step})"
            if self.resets.took_load(data, meta.name):
                self.core.start_state = data
                detail += "; episodes begin there from now on"
            await self._ack(command, True, detail)
        while self.queue:
            await self._carry_out(self.queue.popleft())
        return loaded

    async def _carry_out(self, command: ControlCommand) -> None:
        self.counters.controls += 1
        persistence = self.persistence
        try:
            match command.command:
                case "pause":
                    self.run.paused = True
                case "resume":
                    self.run.paused = False
                case "press":
                    if command.button is None:
                        raise CrystalRLError("press needs a button")
                    self.arbiter.press(command.button)
                case "save":
                    job = persistence.begin_save("manual", command.name)  # the state of this step, before the next
                    persistence.in_background(self._saved(command, job), f"save:{command.id}")
                    return
                case "load":
                    if not command.name:
                        raise CrystalRLError("load needs a name")
                    persistence.in_background(self._read(command, command.name), f"load:{command.id}")
                    return
                case "set_llm_interval":
                    if command.value is None:
                        raise CrystalRLError("set_llm_interval needs a value")
                    self.planning.interval = command.value
        except SAVE_ERRORS as exc:  # a bad command, or a save the fork refused: said in the ack
            await self._ack(command, False, str(exc))
            return
        await self._ack(command, True)

    async def _read(self, command: ControlCommand, name: str) -> None:
        try:
            data, meta = await self.persistence.file_io(self.store.load, name)
        except SAVE_ERRORS as exc:
            await self._ack(command, False, str(exc))
            return
        self.loads.append((command, data, meta))

    async def _saved(self, command: ControlCommand, job: SaveJob) -> None:
        try:
            meta = await self.persistence.write(job)
        except SAVE_ERRORS as exc:  # the disk refused the file: said in the ack, the game goes on
            await self._ack(command, False, str(exc))
            return
        await self._ack(command, True, meta.name)

    async def _ack(self, command: ControlCommand, ok: bool, detail: str = "") -> None:
        if not ok:
            self.counters.bad_controls += 1
        await self.outbox.event(
            "control_ack",
            f"{command.command}: {'ok' if ok else 'failed'}{' — ' + detail if detail else ''}",
            level="info" if ok else "warning",
            data={"id": command.id, "command": command.command, "ok": ok, "detail": detail},
        )
