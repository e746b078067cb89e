"""What the network sees of a frame: a stack of small grayscale screens and a short vector of state features.

The screen gives the network the picture (walls, text boxes, menus); the features give it
the few numbers the picture shows poorly (where on which map, how strong the party is).
Both come from the `Frame` alone, so the learner never needs the emulator.
"""

from collections import deque
from dataclasses import dataclass

import numpy as np

from services.dqn_learner.settings import LearnerSettings
from shared.buttons import BUTTONS
from shared.errors import MessageError
from shared.game.features import state_features
from shared.game.screen import SCREEN_HEIGHT, SCREEN_WIDTH
from shared.messages import Frame

SCREEN_SHAPE: tuple[int, int] = (SCREEN_HEIGHT, SCREEN_WIDTH)
N_ACTIONS = len(BUTTONS)


def screen_array(frame: Frame) -> np.ndarray:
    """The frame's screen as a (H, W) uint8 view; a screen of the wrong size is a bad message."""
    expected = SCREEN_HEIGHT * SCREEN_WIDTH
    if len(frame.screen) != expected:
        raise MessageError(
            f"frame {frame.env}/{frame.step}: screen has {len(frame.screen)} bytes, expected {expected}"
            f" ({SCREEN_HEIGHT}x{SCREEN_WIDTH} grayscale)"
        )
    return np.frombuffer(frame.screen, dtype=np.uint8).reshape(SCREEN_SHAPE)


def legal_mask(frame: Frame) -> np.ndarray:
    """The frame's legal-action mask as bool[N_ACTIONS]; an empty mask means every button is legal.

    A mask of the wrong length, or one that forbids everything, is a bad message: the
    learner could not answer it.
    """
    if not frame.legal:
        return np.ones(N_ACTIONS, dtype=bool)
    if len(frame.legal) != N_ACTIONS:
        raise MessageError(
            f"frame {frame.env}/{frame.step}: legal mask has {len(frame.legal)} entries, expected {N_ACTIONS}"
        )
    mask = np.asarray(frame.legal, dtype=bool)
    if not mask.any():
        raise MessageError(f"frame {frame.env}/{frame.step}: legal mask forbids every button")
    return mask


@dataclass(frozen=True, slots=True)
class Observation:
    """One env's observation at one step, ready for the network and the replay buffer."""

    step: int
    episode: int
    screens: np.ndarray
    """(frame_stack, H, W) uint8, oldest first."""
    features: np.ndarray
    """(N_FEATURES,) float32 (`shared.game.features`)."""
    legal: np.ndarray
    """(N_ACTIONS,) bool: the buttons allowed for the action answering this observation."""
    continues: bool
    """This observation directly follows the previous one of its env (same episode, next step)."""
    final: bool
    """The episode's last frame (terminated or truncated): the emulator resets after it, so nothing answers it."""


class FrameStacker:
    """Per-env sliding window of the last `k` screens.

    A new episode, a gap in step numbers (frames lost, a learner restart), the first
    frame or any frame after an episode's last starts a fresh window filled with copies of
    the current screen, as Atari wrappers do at reset, and marks the observation as not
    continuing the previous one: no transition may bridge a discontinuity.
    """

    def __init__(self, k: int, explored: bool = True, story: bool = True) -> None:
        self.k = k
        self.explored = explored
        """The features say which neighbouring tiles the episode walked (`Frame.explored`); False: they are 0 (the
        learner's `explored_features`, an ablation)."""
        self.story = story
        """The story steps' features are given (the learner's `story_features`); False: they are 0."""
        self._window: deque[np.ndarray] = deque(maxlen=k)
        self._last: tuple[int, int] | None = None

    @classmethod
    def of(cls, settings: LearnerSettings) -> "FrameStacker":
        """The stack the learner's settings make (its depth, which features are given): one place, so a greedy
        episode played beside the learner sees what it trains on."""
        return cls(settings.frame_stack, settings.explored_features, settings.story_features)

    def push(self, frame: Frame) -> Observation:
        """Add one frame (validated here) and return the observation it completes."""
        screen = screen_array(frame)
        legal = legal_mask(frame)
        features = state_features(frame.state, frame.explored if self.explored else (), self.story)
        continues = self._last is not None and self._last == (frame.episode, frame.step - 1)
        if not continues:
            self._window.clear()
            self._window.extend(screen for _ in range(self.k))
        else:
            self._window.append(screen)
        final = frame.terminated or frame.truncated
        self._last = None if final else (frame.episode, frame.step)
        return Observation(
            step=frame.step,
            episode=frame.episode,
            screens=np.stack(self._window),
            features=features,
            legal=legal,
            continues=continues,
            final=final,
        )
