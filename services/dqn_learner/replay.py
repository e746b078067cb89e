"""A bounded replay buffer of transitions, preallocated as numpy arrays, screens as uint8.

A transition stores its observation's k screens plus the next observation's newest screen
(k + 1 screens): the next stack is the observation's stack shifted by one, because
transitions are only made between consecutive frames of one env. That halves the memory
of storing both stacks and keeps every entry self-contained, so frames from several envs
can interleave freely.
"""

from dataclasses import dataclass

import numpy as np
import torch


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


class ReplayBuffer:
    """Ring buffer of `capacity` transitions; once full, each new one overwrites the oldest."""

    def __init__(
        self,
        capacity: int,
        frame_stack: int,
        n_features: int,
        n_actions: int,
        screen_shape: tuple[int, int],
        seed: int = 0,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1 (got {capacity})")
        self.capacity = capacity
        self.frame_stack = frame_stack
        # np.zeros maps untouched pages lazily, so resident memory grows with the fill, not the capacity.
        self._screens = np.zeros((capacity, frame_stack + 1, *screen_shape), dtype=np.uint8)
        self._screens_view = torch.from_numpy(self._screens)
        """The same memory as a tensor: a sample's gather of screens (the bulk of its bytes) runs in torch,
        which releases the GIL, so the learner's answers never wait behind a sample."""
        self._features = np.zeros((capacity, n_features), dtype=np.float32)
        self._next_features = np.zeros((capacity, n_features), dtype=np.float32)
        self._actions = np.zeros(capacity, dtype=np.int64)
        self._rewards = np.zeros(capacity, dtype=np.float32)
        self._dones = np.zeros(capacity, dtype=np.float32)
        self._next_legal = np.zeros((capacity, n_actions), dtype=bool)
        self._pos = 0
        self._size = 0
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Bytes allocated for the whole capacity (what the buffer holds once full)."""
        arrays = (
            self._screens,
            self._features,
            self._next_features,
            self._actions,
            self._rewards,
            self._dones,
            self._next_legal,
        )
        return sum(a.nbytes for a in arrays)

    @property
    def used_bytes(self) -> int:
        """Bytes of the filled part: `nbytes` scaled by the fill fraction."""
        return self.nbytes * self._size // self.capacity

    def add(
        self,
        screens: np.ndarray,
        features: np.ndarray,
        action: int,
        reward: float,
        next_screen: np.ndarray,
        next_features: np.ndarray,
        done: bool,
        next_legal: np.ndarray,
    ) -> None:
        """Store one transition; `screens` is the (k, H, W) stack, `next_screen` the next frame's (H, W)."""
        i = self._pos
        self._screens[i, : self.frame_stack] = screens
        self._screens[i, self.frame_stack] = next_screen
        self._features[i] = features
        self._next_features[i] = next_features
        self._actions[i] = action
        self._rewards[i] = reward
        self._dones[i] = float(done)
        self._next_legal[i] = next_legal
        self._pos = (i + 1) % self.capacity
        self._size = min(self._size + 1, self.capacity)

    def sample(self, batch_size: int) -> Batch:
        """Uniform sample with replacement from the filled part."""
        if self._size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        idx = self._rng.integers(0, self._size, size=batch_size)
        screens = torch.index_select(self._screens_view, 0, torch.from_numpy(idx)).numpy()
        return Batch(
            screens=screens[:, : self.frame_stack],
            features=self._features[idx],
            actions=self._actions[idx],
            rewards=self._rewards[idx],
            next_screens=screens[:, 1:],
            next_features=self._next_features[idx],
            dones=self._dones[idx],
            next_legal=self._next_legal[idx],
        )
