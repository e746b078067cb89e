"""The DQN itself: epsilon-greedy acting over legal buttons, and the Double-DQN update.

Read it like CleanRL's `dqn.py` loop body: the schedule, the action choice, then the
update (TD target from the target network, Huber loss, clipped gradients, target sync).
With n-step returns in the batch, the update adds their loss beside the 1-step one, as
DQfD (Hester et al. 2018) does: a reward n steps away reaches the state that led to it
in one update instead of n target syncs.
The I/O around it lives in `service.py`; nothing here knows about Redis.
"""

import contextlib
import copy
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from services.dqn_learner.network import QNetwork
from services.dqn_learner.replay import Batch
from shared.buttons import BUTTONS, Button
from shared.errors import ConfigError


def linear_schedule(start: float, end: float, duration: int, t: int) -> float:
    """Epsilon at frame `t`: a straight line from `start` to `end` over `duration` frames, then flat."""
    slope = (end - start) / duration
    return max(slope * t + start, end)


def masked_argmax(q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """Index of the best legal action per row; illegal actions can never win, whatever their Q."""
    return q.masked_fill(~legal, float("-inf")).argmax(dim=1)


def random_legal_actions(legal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uniformly drawn legal action per row of a (B, A) bool mask."""
    scores = rng.random(legal.shape)
    scores[~legal] = -1.0
    return scores.argmax(axis=1)


def double_dqn_targets(
    next_q_online: torch.Tensor | None,
    next_q_target: torch.Tensor,
    rewards: torch.Tensor,
    discounts: torch.Tensor,
    next_legal: torch.Tensor,
) -> torch.Tensor:
    """r + discount * Q_target(s', argmax_a Q_online(s', a)).

    `discount` is gamma^k for a k-step return (gamma for the 1-step one) and 0 where the
    episode was terminated, so no value is bootstrapped past its end. The online network
    picks the next action and the target network values it (van Hasselt et al. 2016), which
    removes most of plain DQN's overestimation. The argmax is over the buttons legal in s',
    since the emulator would never execute the others. `next_q_online` None: plain DQN's
    target, the target network picks and values (r + discount * max_a Q_target(s', a)).
    """
    best = masked_argmax(next_q_target if next_q_online is None else next_q_online, next_legal)
    next_value = next_q_target.gather(1, best.unsqueeze(1)).squeeze(1)
    return rewards + discounts * next_value


def margin_losses(q: torch.Tensor, actions: torch.Tensor, legal: torch.Tensor, margin: float) -> torch.Tensor:
    """DQfD's large-margin loss per row: max_a [Q(s, a) + l(a_E, a)] - Q(s, a_E), l = `margin` for a != a_E.

    Zero once the demonstrated action's value leads every other legal one by the margin; otherwise
    its gradient raises Q(s, a_E) and lowers the action that beat it. The max is over the legal
    buttons (and the demonstrated one, whatever the mask says), as the agent never plays others.
    """
    demonstrated = F.one_hot(actions, q.shape[1]).bool()
    penalty = (~demonstrated).to(q.dtype) * margin
    best = (q + penalty).masked_fill(~(legal | demonstrated), float("-inf")).max(dim=1).values
    return best - q.gather(1, actions.unsqueeze(1)).squeeze(1)


@dataclass(frozen=True, slots=True)
class UpdateStats:
    loss: float
    """The TD loss: the 1-step one plus the weighted n-step one (the margin loss apart)."""
    mean_q: float
    margin_loss: float = 0.0
    """Mean margin loss over the batch's demonstrated rows (0 without any)."""
    demo_share: float = 0.0
    """Share of the batch's rows that were demonstrations."""


class DQNAgent:
    """Online, target and actor networks, the optimizer, and the update counter.

    The actor is a third copy that answers frames: training mutates the online network in
    place on another thread, so inference reads a snapshot that `sync_actor` refreshes
    under a lock instead of racing with the optimizer. It answers through a TorchScript
    trace of itself: the traced forward pass runs without the GIL from start to end, where
    the eager one takes the GIL back between every layer and so waits behind the training
    thread's Python each time (5 ms and more per answer, against 0.25 ms). The trace holds
    the actor's own parameters, so `sync_actor`'s in-place copy reaches it.
    """

    def __init__(
        self,
        network: QNetwork,
        device: torch.device,
        learning_rate: float,
        gamma: float,
        max_grad_norm: float,
        playable: Sequence[Button] = BUTTONS,
        n_step_weight: float = 1.0,
        margin: float = 0.8,
        margin_weight: float = 1.0,
        l2_weight: float = 0.0,
        double: bool = True,
        legal_mask: bool = True,
    ) -> None:
        self.device = device
        self.playable = np.array([button in playable for button in BUTTONS])
        """(N_ACTIONS,) bool: the buttons this agent plays, whatever else the rules allow."""
        self.double = double
        """Double DQN's target (the online network picks, the target values); False: plain DQN's max."""
        self.legal_mask = legal_mask
        """Act, and take the targets' argmax, over the buttons the rules allow now; False: over every playable
        button, as a learner without masks does (the rules then replace a forbidden one)."""
        self.gamma = gamma
        self.max_grad_norm = max_grad_norm
        self.n_step_weight = n_step_weight
        self.margin = margin
        self.margin_weight = margin_weight
        self.q_network = network.to(device)
        self.target_network = copy.deepcopy(self.q_network)
        self.target_network.requires_grad_(False)
        self.actor = copy.deepcopy(self.q_network).eval()
        self.actor.requires_grad_(False)
        self._traced_actor = _trace(self.actor, device)
        # fused: one kernel for every parameter (0.3 against 0.95 ms a step on this network, and no Python loop
        # over the parameters holding the GIL while frames wait to be answered)
        self.optimizer = torch.optim.Adam(
            self.q_network.parameters(), lr=learning_rate, weight_decay=l2_weight, fused=True
        )
        self.updates = 0
        self._actor_lock = threading.Lock()
        self._networks_lock = threading.Lock()
        """Held while the look-ahead thread reads the lagged and target networks, and while they are written."""
        self.lagged: QNetwork | None = None
        """A copy of the online network as it was before the last update, for Double DQN's pick in targets computed
        ahead (made on first use)."""
        self._lagged_params: list[torch.Tensor] = []
        self._online_params: list[torch.Tensor] = []

    # --- acting -------------------------------------------------------------------------

    def q_values(self, screens: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Q-values of a batch from the actor network: (B, k, H, W) uint8, (B, F) float32 -> (B, A)."""
        with torch.inference_mode(), self._actor_lock:
            q = self._traced_actor(
                torch.from_numpy(screens).to(self.device), torch.from_numpy(features).to(self.device)
            )
            return q.cpu().numpy()

    def act(
        self,
        screens: np.ndarray,
        features: np.ndarray,
        legal: np.ndarray,
        epsilon: float,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Epsilon-greedy actions for a batch, and each row's greedy Q (for stats).

        Both the greedy and the random choice respect the legal mask: an illegal button is
        never sent.
        """
        q = self.q_values(screens, features)
        legal = self.playing(legal)
        masked = np.where(legal, q, -np.inf)
        greedy = masked.argmax(axis=1)
        explore = rng.random(len(greedy)) < epsilon
        actions = np.where(explore, random_legal_actions(legal, rng), greedy)
        return actions, masked.max(axis=1)

    def playing(self, legal: np.ndarray) -> np.ndarray:
        """The legal buttons this agent plays; in a row where it plays none of them, the legal ones. Without
        `legal_mask`, every button it plays, whatever the rules allow."""
        if not self.legal_mask:
            return np.broadcast_to(self.playable, legal.shape)
        both = legal & self.playable
        return np.where(both.any(axis=-1, keepdims=True), both, legal)

    def sync_actor(self) -> None:
        """Copy the online weights into the actor (called by the training thread)."""
        with self._actor_lock:
            self.actor.load_state_dict(self.q_network.state_dict())

    # --- learning -------------------------------------------------------------------------

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        # torch makes the contiguous copy (of the strided screen stacks) without holding the GIL; numpy would hold it
        return torch.from_numpy(array).contiguous().to(self.device)

    def targets(self, batch: Batch, ahead: bool = False) -> tuple[torch.Tensor, ...]:
        """The batch's TD targets, no gradient: the 1-step ones, and the n-step ones with `batch.nstep`.

        The n-step bootstrap states go through the networks in the same forward pass as the 1-step
        ones, and the screens are made floats once for both networks. `ahead`: computed on the
        look-ahead thread while another update runs (`lookahead.py`): Double DQN's pick is then the
        `lagged` copy of the online network (the one the update under way began from: one update behind,
        never one the optimizer is writing), and the networks are read under the lock their syncs take.
        """
        next_screens = self._tensor(batch.next_screens)
        next_features = self._tensor(batch.next_features)
        next_legal = batch.next_legal
        rewards = [self._tensor(batch.rewards)]
        discounts = [self._tensor((1.0 - batch.dones) * self.gamma)]
        if batch.nstep is not None:
            nstep = batch.nstep
            next_screens = torch.cat([next_screens, self._tensor(nstep.next_screens)])
            next_features = torch.cat([next_features, self._tensor(nstep.next_features)])
            next_legal = np.concatenate([next_legal, nstep.next_legal])
            rewards.append(self._tensor(nstep.rewards))
            discounts.append(self._tensor(nstep.discounts))
        legal = self._tensor(self.playing(next_legal))
        picker = self._lagged() if ahead else self.q_network
        with torch.no_grad(), self._networks_lock if ahead else contextlib.nullcontext():
            screens = next_screens.float()
            next_q_online = picker(screens, next_features) if self.double else None
            next_q_target = self.target_network(screens, next_features)
        return double_dqn_targets(next_q_online, next_q_target, torch.cat(rewards), torch.cat(discounts), legal).split(
            len(batch.actions)
        )

    def update(self, batch: Batch, td_targets: tuple[torch.Tensor, ...] | None = None) -> UpdateStats:
        """One gradient step of Double DQN with a Huber loss and global-norm gradient clipping.

        `td_targets`: the batch's targets computed ahead (`targets(batch, ahead=True)`), else here.
        With `batch.nstep`, the n-step loss is added with weight `n_step_weight`. On the batch's
        demonstrated rows the margin loss is added with weight `margin_weight`.
        """
        if td_targets is None:
            td_targets = self.targets(batch)
        screens = self._tensor(batch.screens)
        features = self._tensor(batch.features)
        actions = self._tensor(batch.actions)
        q_all = self.q_network(screens, features)
        q = q_all.gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q, td_targets[0])
        if len(td_targets) > 1:
            loss = loss + self.n_step_weight * F.smooth_l1_loss(q, td_targets[1])
        td_loss = float(loss.detach().item())
        demo = batch.demo
        margin_value = 0.0
        if demo.any():
            rows = torch.from_numpy(np.flatnonzero(demo)).to(self.device)
            legal = self._tensor(self.playing(batch.legal[demo]))
            margins = margin_losses(q_all.index_select(0, rows), actions.index_select(0, rows), legal, self.margin)
            margin_mean = margins.mean()
            margin_value = float(margin_mean.detach().item())
            if self.margin_weight:
                loss = loss + self.margin_weight * margin_mean

        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.q_network.parameters(), self.max_grad_norm)
        self.optimizer.step()
        self.updates += 1
        if self.lagged is not None:
            with torch.no_grad(), self._networks_lock:
                for lagged, online in zip(self._lagged_params, self._online_params, strict=True):
                    lagged.copy_(online)
        return UpdateStats(
            loss=td_loss,
            mean_q=float(q.detach().mean().item()),
            margin_loss=margin_value,
            demo_share=float(demo.mean()),
        )

    def _lagged(self) -> QNetwork:
        if self.lagged is None:
            with self._networks_lock:
                self.lagged = copy.deepcopy(self.q_network).requires_grad_(False)
                self._lagged_params = list(self.lagged.parameters())
                self._online_params = [p.detach() for p in self.q_network.parameters()]
        return self.lagged

    def update_target(self, tau: float = 1.0) -> None:
        """target <- tau * online + (1 - tau) * target (tau = 1 is the classic hard copy)."""
        with torch.no_grad(), self._networks_lock:
            for target_param, param in zip(self.target_network.parameters(), self.q_network.parameters(), strict=True):
                target_param.copy_(tau * param + (1.0 - tau) * target_param)

    # --- persistence -------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        return {
            "q_network": self.q_network.state_dict(),
            "target_network": self.target_network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "updates": self.updates,
            "shape": self.q_network.shape_key,
            "playable": self.playable.tolist(),
            "legal_mask": self.legal_mask,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from `state_dict()`; a checkpoint for another network shape is refused with a ValueError."""
        if state.get("shape") != self.q_network.shape_key:
            raise ValueError(
                f"checkpoint is for network shape {state.get('shape')}, this learner has"
                f" {self.q_network.shape_key} (frame_stack or the feature set changed)"
            )
        self.q_network.load_state_dict(state["q_network"])
        self.target_network.load_state_dict(state["target_network"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = int(state["updates"])
        self.sync_actor()


def choose_device(setting: str) -> torch.device:
    """`auto` takes CUDA when torch sees a GPU; asking for `cuda` without one fails with a clear message."""
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if setting == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' requested but torch sees no GPU: use --device cpu or auto")
    return torch.device(setting)


def _trace(network: QNetwork, device: torch.device) -> torch.jit.ScriptModule:
    """`network`'s forward pass as TorchScript, for batches of any size.

    Torch marks tracing deprecated in favour of `torch.compile`, which needs a C++ toolchain
    at run time and does not release the GIL for the whole pass; until that changes, a
    trace is what keeps answers fast next to training.
    """
    screens = torch.zeros((2, network.frame_stack, *network.screen_shape), dtype=torch.uint8, device=device)
    features = torch.zeros((2, network.n_features), device=device)
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.trace(network, (screens, features), check_trace=False)
