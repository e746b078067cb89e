"""A bounded replay buffer that stores each screen once and stacks at sample time.

A transition's two observations are k-screen stacks that share k - 1 screens, and
consecutive transitions of one env share all but one, so storing stacks (or even k + 1
screens per transition, 29 KB at 4 stacked 72x80 screens) keeps every screen k + 1 times.
Here each frame the learner observes is one *entry* of a single ring: its screen, its
features and legal mask, the serials of the k + 1 entries whose screens make its
transition's two stacks, and, when it completes a transition, the action, reward and done
flag that led to it (`Frame` semantics: frame t carries what step t - 1 earned). About
5.9 KB a transition at k = 4 (a million in 5.9 GB); a sample gathers its (B, k + 1)
screens in one `index_select`.

Why one ring of entries that name their stack's screens, not per-env rings: the learner
stores frames of many envs as they arrive, and how many envs there are (or how fast each
one runs) is not known in advance, so per-env rings would split the capacity badly. An
entry's stack is its predecessor's shifted by one, so it is built at `add` for the cost of
a copy of k + 1 numbers (40 bytes, under 1 % of the screen). A chain of "previous entry"
links would save 32 of those bytes but make every sample walk k links. SB3's
`optimize_memory_usage` and Dopamine's Atari buffer also store each screen once; they
find a stack's screens by position, which works only for one env at a time.

The rules that keep a stack honest:

- An entry that does not continue its env's previous frame (the first frame, a new
  episode or any frame after an episode's last, a gap in steps, a learner restart)
  starts a chain: its stack is its own screen repeated, as `FrameStacker` fills its
  window, and it completes no transition. So no stack ever spans two episodes, two envs
  or a discontinuity.
- Entries are numbered by a serial that only grows; slot = serial % capacity. A stack
  whose oldest serial is older than the ring holds names an overwritten screen: such a
  transition (a few at the ring's oldest edge, or the next few of an env that stalled
  while the others filled the ring) is passed over by `sample`, which draws again. So a
  sampled stack is exactly the screens that were stored.

n-step returns (`n_step` > 1): each transition also carries the discounted sum of its own
and up to n - 1 following rewards of its env, and the serial of the entry whose
observation it bootstraps from. Both are written forward as the env's next frames arrive
(each env keeps the serials of its last n - 1 transitions open), so sampling reads them
like any other column. A transition whose chain ends sooner (the episode's last frame, a
gap) keeps the shorter return it has, which is still a valid target: discounted by
gamma^k for the k rewards it holds, and not bootstrapped at all when the episode was
terminated. Its bootstrap entry must still be in the ring, or `sample` draws again.
"""

import copy
from dataclasses import dataclass, fields
from typing import Any, BinaryIO

import numpy as np
import torch

STORED = (
    "_screens",
    "_features",
    "_legal",
    "_stacks",
    "_completes",
    "_actions",
    "_rewards",
    "_dones",
    "_demo",
    "_nstep_rewards",
    "_nstep_last",
    "_nstep_count",
    "_nstep_dones",
)
"""The arrays that hold a buffer's entries (what `save` writes and `load` reads back)."""

MAX_DRAWS = 64
"""Rounds of redrawing the passed-over picks before a sample gives up (only a ring smaller than a
few stacks can hold no sampleable transition)."""


@dataclass(frozen=True, slots=True)
class Batch:
    """A sampled minibatch as numpy arrays (the agent moves it to its device)."""

    screens: np.ndarray
    """(B, k, H, W) uint8."""
    features: np.ndarray
    """(B, F) float32."""
    actions: np.ndarray
    """(B,) int64."""
    rewards: np.ndarray
    """(B,) float32, already scaled."""
    next_screens: np.ndarray
    """(B, k, H, W) uint8."""
    next_features: np.ndarray
    """(B, F) float32."""
    dones: np.ndarray
    """(B,) float32: 1.0 where the next state is terminal (no bootstrap)."""
    next_legal: np.ndarray
    """(B, A) bool: buttons legal in the next state (the Double-DQN argmax is taken over these)."""
    legal: np.ndarray
    """(B, A) bool: buttons legal in the state itself (the margin loss's max is taken over these)."""
    demo: np.ndarray
    """(B,) bool: the action was a demonstration (chosen by a source the learner learns from by example)."""
    nstep: "NStep | None" = None
    """The n-step part, when the buffer keeps n-step returns."""

    @staticmethod
    def concat(first: "Batch", second: "Batch") -> "Batch":
        """Both batches' rows in one (the ordinary sample and the demonstrations' reserved share)."""

        def join(a: Any, b: Any) -> Any:
            if a is None or b is None:
                return None
            if isinstance(a, NStep):
                return NStep(*(join(x, y) for x, y in zip(astuple_shallow(a), astuple_shallow(b), strict=True)))
            return np.concatenate([a, b])

        return Batch(*(join(x, y) for x, y in zip(astuple_shallow(first), astuple_shallow(second), strict=True)))


def astuple_shallow(value: Any) -> tuple[Any, ...]:
    """A dataclass's fields in order, not copied (`dataclasses.astuple` deep-copies every array)."""
    return tuple(getattr(value, f.name) for f in fields(value))


@dataclass(frozen=True, slots=True)
class NStep:
    """Each sampled transition's n-step return and the observation it bootstraps from."""

    rewards: np.ndarray
    """(B,) float32: the discounted sum of up to n rewards, already scaled."""
    discounts: np.ndarray
    """(B,) float32: gamma^k for the k rewards summed, 0 where the episode was terminated within them."""
    next_screens: np.ndarray
    """(B, k, H, W) uint8: the stack k steps on."""
    next_features: np.ndarray
    """(B, F) float32."""
    next_legal: np.ndarray
    """(B, A) bool."""


class ReplayBuffer:
    """Ring of `capacity` frames of any number of envs; once full, each new one overwrites the oldest.

    Every frame but the first of a chain completes one transition, so the buffer holds about
    `capacity` transitions.
    """

    def __init__(
        self,
        capacity: int,
        frame_stack: int,
        n_features: int,
        n_actions: int,
        screen_shape: tuple[int, int],
        seed: int = 0,
        n_step: int = 1,
        gamma: float = 0.99,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1 (got {capacity})")
        if n_step < 1:
            raise ValueError(f"n_step must be >= 1 (got {n_step})")
        self.capacity = capacity
        self.n_features = n_features
        self.n_actions = n_actions
        self.n_step = n_step
        self.gamma = gamma
        self.frame_stack = frame_stack
        self.screen_shape = screen_shape
        # np.zeros maps untouched pages lazily, so resident memory grows with the fill, not the capacity.
        self._screens = np.zeros((capacity, *screen_shape), dtype=np.uint8)
        self._screens_view = torch.from_numpy(self._screens)
        """The same memory as a tensor: a sample's gather of screens (the bulk of its bytes) runs in torch,
        which releases the GIL, so the learner's answers never wait behind a sample."""
        self._features = np.zeros((capacity, n_features), dtype=np.float32)
        self._legal = np.zeros((capacity, n_actions), dtype=bool)
        self._stacks = np.zeros((capacity, frame_stack + 1), dtype=np.int64)
        """Serials of the entries whose screens make the entry's transition, oldest first: columns 0..k-1 the
        observation's stack, 1..k the next observation's; the last is the entry itself."""
        self._completes = np.zeros(capacity, dtype=bool)
        """The entry is the next observation of a transition (its predecessor the observation)."""
        self._actions = np.zeros(capacity, dtype=np.int64)
        self._rewards = np.zeros(capacity, dtype=np.float32)
        self._dones = np.zeros(capacity, dtype=np.float32)
        self._demo = np.zeros(capacity, dtype=bool)
        self._nstep_rewards = np.zeros(capacity, dtype=np.float32)
        self._nstep_last = np.zeros(capacity, dtype=np.int64)
        """Serial of the entry whose observation the n-step return bootstraps from."""
        self._nstep_count = np.zeros(capacity, dtype=np.int64)
        """Rewards summed into the n-step return so far (1..n)."""
        self._nstep_dones = np.zeros(capacity, dtype=np.float32)
        self._open: dict[str, list[int]] = {}
        """Per env, serials of its last transitions whose n-step return is not complete yet (oldest first)."""
        self._written = 0
        """Entries ever added: the next entry's serial."""
        self._size = 0
        """Entries in the ring that complete a transition."""
        self._demos = 0
        """Of them, those whose action was a demonstration."""
        self._newest: dict[str, np.ndarray] = {}
        """Per env, the stack of its newest entry: what a frame that continues it shifts by one."""
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        """Transitions stored (the few whose oldest screen was overwritten included; `sample` passes over them)."""
        return self._size

    @property
    def demos(self) -> int:
        """Transitions stored whose action was a demonstration."""
        return self._demos

    @property
    def nbytes(self) -> int:
        """Bytes allocated for the whole capacity (what the buffer holds once full)."""
        arrays = (
            self._screens,
            self._features,
            self._legal,
            self._stacks,
            self._completes,
            self._actions,
            self._rewards,
            self._dones,
            self._demo,
            self._nstep_rewards,
            self._nstep_last,
            self._nstep_count,
            self._nstep_dones,
        )
        return sum(a.nbytes for a in arrays)

    def copy(self) -> "ReplayBuffer":
        """An independent copy (a memory copy of the arrays: what `save` can compress while this one goes on)."""
        twin = copy.copy(self)
        for name in STORED:
            setattr(twin, name, getattr(self, name).copy())
        twin._screens_view = torch.from_numpy(twin._screens)
        twin._newest = {env: stack.copy() for env, stack in self._newest.items()}
        twin._open = {env: list(serials) for env, serials in self._open.items()}
        return twin

    def save(self, handle: BinaryIO) -> None:
        """Every entry and counter, as a compressed `.npz` (the screens are mostly flat colour)."""
        meta = np.array([self.capacity, self.frame_stack, self.n_step, self._written, self._size, self._demos])
        np.savez_compressed(
            handle, meta=meta, gamma=np.float64(self.gamma), **{name[1:]: getattr(self, name) for name in STORED}
        )

    @classmethod
    def load(cls, handle: BinaryIO, seed: int = 0) -> "ReplayBuffer":
        """A buffer as `save` wrote it, at the capacity it was saved with; new frames start new chains.

        Raises `ValueError` or `KeyError` for a file that `save` did not write whole.
        """
        with np.load(handle, allow_pickle=False) as stored:
            capacity, frame_stack, n_step, written, size, demos = (int(v) for v in stored["meta"])
            arrays = {name: stored[name[1:]] for name in STORED}
            gamma = float(stored["gamma"])
        screens = arrays["_screens"]
        n_features, n_actions = arrays["_features"].shape[1], arrays["_legal"].shape[1]
        shape = (int(screens.shape[1]), int(screens.shape[2]))
        buffer = cls(capacity, frame_stack, n_features, n_actions, shape, seed, n_step, gamma)
        for name, array in arrays.items():
            mine = getattr(buffer, name)
            if array.shape != mine.shape or array.dtype != mine.dtype:
                raise ValueError(f"{name[1:]} is {array.dtype}{array.shape}, expected {mine.dtype}{mine.shape}")
            mine[...] = array
        buffer._written, buffer._size, buffer._demos = written, size, demos
        return buffer

    @property
    def bytes_per_transition(self) -> int:
        """Bytes one stored frame (one transition) costs: one screen and a few numbers."""
        return self.nbytes // self.capacity

    @property
    def used_bytes(self) -> int:
        """Bytes of the filled part: `nbytes` scaled by the fill fraction."""
        return self.nbytes * min(self._written, self.capacity) // self.capacity

    def add(
        self,
        env: str,
        screen: np.ndarray,
        features: np.ndarray,
        legal: np.ndarray,
        *,
        continues: bool,
        action: int | None = None,
        reward: float = 0.0,
        done: bool = False,
        demo: bool = False,
    ) -> bool:
        """Store one frame of `env`; True when it completed a transition.

        `continues`: the frame directly follows the env's previous one (`Observation.continues`);
        otherwise it starts a chain. `action`, `reward`, `done`: the button pressed in the
        previous step, what it earned, and whether this frame is terminal; the frame completes a
        transition from the previous one only when it continues it and `action` is given. `demo`:
        that action was a demonstration.
        """
        serial = self._written
        slot = serial % self.capacity
        newest = self._newest.get(env) if continues else None
        completes = newest is not None and action is not None
        stack = self._stacks[slot]
        if newest is None:
            stack[:] = serial
        else:
            stack[:-1] = newest[1:]
            stack[-1] = serial
        self._newest[env] = stack.copy()
        self._size += int(completes) - int(self._completes[slot])  # the entry overwritten, if any
        self._screens[slot] = screen
        self._features[slot] = features
        self._legal[slot] = legal
        self._completes[slot] = completes
        self._actions[slot] = action if completes else 0
        self._rewards[slot] = reward if completes else 0.0
        self._dones[slot] = float(done) if completes else 0.0
        self._demos += int(completes and demo) - int(self._demo[slot])
        self._demo[slot] = completes and demo
        self._written = serial + 1
        self._extend_returns(env, serial, completes, reward, done)
        return completes

    def _extend_returns(self, env: str, serial: int, completes: bool, reward: float, done: bool) -> None:
        """Add this transition's reward to the open n-step returns of its env, and open its own."""
        slot = serial % self.capacity
        self._nstep_rewards[slot] = reward if completes else 0.0
        self._nstep_last[slot] = serial
        self._nstep_count[slot] = 1
        self._nstep_dones[slot] = float(done) if completes else 0.0
        if self.n_step == 1:
            return
        if not completes:
            self._open.pop(env, None)  # a chain begins: the old one's returns stay as short as they are
            return
        still_stored = serial - self.capacity
        open_serials = [s for s in self._open.get(env, ()) if s > still_stored]
        for older in open_serials:
            at = older % self.capacity
            self._nstep_rewards[at] += self.gamma ** int(self._nstep_count[at]) * reward
            self._nstep_count[at] += 1
            self._nstep_last[at] = serial
            self._nstep_dones[at] = float(done)
        if done:
            self._open.pop(env, None)
            return
        open_serials.append(serial)
        self._open[env] = [s for s in open_serials if self._nstep_count[s % self.capacity] < self.n_step]

    def _whole(self, slots: np.ndarray) -> np.ndarray:
        """Which entries at `slots` complete a transition whose screens (the n-step ones too) are all still stored."""
        oldest = self._written - self.capacity
        whole = self._completes[slots] & (self._stacks[slots, 0] >= oldest)
        if self.n_step > 1:
            last = self._nstep_last[slots]
            whole &= (last >= oldest) & (self._stacks[last % self.capacity, 0] >= oldest)
        return whole

    def sample(self, batch_size: int) -> Batch:
        """Uniform sample with replacement from the stored transitions."""
        if self._size == 0:
            raise ValueError("cannot sample from a replay buffer that holds no transition")
        filled = min(self._written, self.capacity)
        slots = self._rng.integers(0, filled, size=batch_size)
        whole = self._whole(slots)
        draws = 1
        while not whole.all():
            if draws == MAX_DRAWS:
                raise ValueError(
                    f"no whole transition found in {MAX_DRAWS} draws: a ring of {self.capacity} frames is too"
                    f" small for stacks of {self.frame_stack} (make buffer_capacity much larger than frame_stack)"
                )
            redraw = ~whole
            slots[redraw] = self._rng.integers(0, filled, size=int(redraw.sum()))
            whole = self._whole(slots)
            draws += 1
        stacks = self._stacks[slots] % self.capacity
        screens = torch.index_select(self._screens_view, 0, torch.from_numpy(stacks.reshape(-1))).numpy()
        screens = screens.reshape(batch_size, self.frame_stack + 1, *self.screen_shape)
        nstep = self._nstep(slots) if self.n_step > 1 else None
        return Batch(
            screens=screens[:, :-1],
            features=self._features[stacks[:, -2]],
            actions=self._actions[slots],
            rewards=self._rewards[slots],
            next_screens=screens[:, 1:],
            next_features=self._features[slots],
            dones=self._dones[slots],
            next_legal=self._legal[slots],
            legal=self._legal[stacks[:, -2]],
            demo=self._demo[slots],
            nstep=nstep,
        )

    def _nstep(self, slots: np.ndarray) -> NStep:
        last = self._nstep_last[slots] % self.capacity
        stacks = self._stacks[last, 1:] % self.capacity
        screens = torch.index_select(self._screens_view, 0, torch.from_numpy(stacks.reshape(-1))).numpy()
        discounts = self.gamma ** self._nstep_count[slots].astype(np.float32) * (1.0 - self._nstep_dones[slots])
        return NStep(
            rewards=self._nstep_rewards[slots],
            discounts=discounts.astype(np.float32),
            next_screens=screens.reshape(len(slots), self.frame_stack, *self.screen_shape),
            next_features=self._features[last],
            next_legal=self._legal[last],
        )
