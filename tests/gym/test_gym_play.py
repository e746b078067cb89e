"""The env plays the service's game: the walkthrough wins the badge, time limits truncate, states and seeds replay."""

import random
from pathlib import Path

import gymnasium
import numpy as np
import pytest

from cartridge.walkthrough import MILESTONES, WALKTHROUGH
from shared.buttons import Button
from shared.game.config import Goal
from shared.game.episode import EpisodeRecord, situation
from shared.game.features import FEATURE_NAMES
from shared.messages import Episode
from tests.gym.helpers import MakeEnv, action_of, crystal

BADGE_STEP = MILESTONES["badge"] + 1
"""Steps the walkthrough takes to the badge."""
EXPLORED = np.array([name.startswith("explored_") for name in FEATURE_NAMES])
"""The features that say which neighbouring tiles the episode walked: a reset begins an episode that walked none."""


def same_place_new_episode(again: dict[str, np.ndarray], before: dict[str, np.ndarray]) -> bool:
    """`again` (a reset to `before`'s state) shows `before`'s game, as an episode that has walked nothing yet."""
    return (
        np.array_equal(again["screen"], before["screen"])
        and np.array_equal(again["features"][~EXPLORED], before["features"][~EXPLORED])
        and not again["features"][EXPLORED].any()
    )


def play(env: gymnasium.Env, buttons: tuple[str, ...] | list[str]) -> list[tuple]:
    """Step through `buttons` by name; every step's (obs, reward, terminated, truncated, info)."""
    return [env.step(action_of(env, button)) for button in buttons]


@pytest.mark.parametrize("buttons", ["all", "no_select"])
def test_walkthrough_wins_the_badge_and_terminates_there(make_env: MakeEnv, buttons: str) -> None:
    env = make_env(buttons=buttons)
    env.reset(seed=0)
    steps = play(env, WALKTHROUGH)
    terminated = [i for i, (_, _, term, _, _) in enumerate(steps) if term]
    assert terminated == [BADGE_STEP - 1]
    _, reward, _, truncated, info = steps[-1]
    assert not truncated
    assert info["facts"]["badges"] == 1 and info["badges"] == 1 and info["episode_step"] == BADGE_STEP
    assert info["breakdown"]["badge"] == 10.0 and reward == pytest.approx(sum(info["breakdown"].values()))
    assert [info["button"] for *_, info in steps] == list(WALKTHROUGH)
    assert not any(info["by_rules"] for *_, info in steps)


def test_goal_is_configurable(make_env: MakeEnv) -> None:
    env = make_env(goal="first_pokemon")
    env.reset(seed=0)
    terminated = [i for i, (_, _, term, _, _) in enumerate(play(env, WALKTHROUGH)) if term]
    assert terminated == [MILESTONES["first_pokemon"]]


def test_forbidden_buttons_are_masked_and_replaced_by_the_rules(make_env: MakeEnv) -> None:
    env = make_env()
    _, info = env.reset(seed=0)
    assert info["action_mask"].tolist() == [True, True, False, False, True, True, True, True]
    *_, info = env.step(action_of(env, "start"))
    assert info["by_rules"] and info["button"] not in ("start", "select")
    assert info["facts"]["forbidden"] and info["breakdown"]["forbidden"] == pytest.approx(-0.1)
    env.reset()
    *_, info = play(env, WALKTHROUGH[: MILESTONES["first_pokemon"] + 1])[-1]
    assert info["facts"]["first_pokemon"] and info["action_mask"].all()


def test_a_text_box_in_the_overworld_takes_only_a_and_b_and_a_direction_there_is_replaced(make_env: MakeEnv) -> None:
    """A direction pressed into a text box is lost; masked, a greedy policy cannot keep pressing it there."""
    env = make_env()
    _, info = env.reset(seed=0)
    core = crystal(env).core
    for button in WALKTHROUGH:
        state = core.state
        if state.text_box:
            break
        *_, info = env.step(action_of(env, button))
    else:
        pytest.fail("the walkthrough never stood before a text box in the overworld")
    assert info["action_mask"].tolist() == [True, True, False, False, False, False, False, False]
    *_, info = env.step(action_of(env, "up"))
    assert info["by_rules"] and info["button"] in ("a", "b") and info["facts"]["forbidden"]


def test_the_idle_mask_is_the_envs_option_and_its_action_mask(make_env: MakeEnv) -> None:
    env = make_env(idle_mask=True)
    env.reset(seed=0)
    down = action_of(env, "down")
    env.step(down)  # a step down
    assert crystal(env).action_mask()[down]
    env.step(down)  # the border below: nothing changed
    assert not crystal(env).action_mask()[down]
    plain = make_env()
    plain.reset(seed=0)
    for _ in range(2):
        plain.step(down)
    assert crystal(plain).action_mask()[down]  # off unless asked


def test_an_episode_records_its_longest_stall_where_it_ended_and_the_last_press(make_env: MakeEnv) -> None:
    """B pressed in the start room moves nothing on: the record names that run, not the walk's short pauses."""
    env = make_env(anti_stuck=False)
    env.reset(seed=0)
    core = crystal(env).core
    record = EpisodeRecord()
    record.begin(core.state)
    start = core.state
    for _ in range(30):
        record.add(core.step(Button.B), "dqn")
    for button in WALKTHROUGH[:40]:
        record.add(core.step(Button(button)), "dqn")
    episode = Episode.of_record(record, "0", 0, core.step(Button.A), env_steps=71, wall_s=0.0)
    stall = episode.stall
    assert stall is not None and stall.steps >= 30 and stall.button == Button.B
    assert (stall.map, stall.x, stall.y) == (start.map_name, start.x, start.y)
    assert stall.situation == situation(start)
    assert Episode.model_validate_json(episode.model_dump_json()).stall == stall  # as the stream and the JSON carry it


def test_the_episodes_follow_the_cartridge_as_the_service_plays_it(make_env: MakeEnv, other_rom: Path) -> None:
    """One game config for both doors: the demo's badge and 1,000 steps, no goal or limit on another ROM."""
    demo, other = crystal(make_env()).core, crystal(make_env(rom=other_rom)).core
    assert (demo.goal, demo.episode_steps) == (Goal.BADGE, 1_000)
    assert (other.goal, other.episode_steps) == (Goal.NONE, None)
    unlimited = crystal(make_env(episode_steps=0, goal="new_map")).core
    assert (unlimited.goal, unlimited.episode_steps) == (Goal.NEW_MAP, None)


def test_max_episode_steps_truncates(make_env: MakeEnv) -> None:
    env = make_env(max_episode_steps=5)
    env.reset(seed=0)
    assert [truncated for *_, truncated, _ in play(env, WALKTHROUGH[:5])] == [False] * 4 + [True]
    env.reset()
    assert [truncated for *_, truncated, _ in play(env, WALKTHROUGH[:5])] == [False] * 4 + [True]


def test_the_cores_own_time_limit_truncates(make_env: MakeEnv) -> None:
    env = make_env(episode_steps=3)
    env.reset(seed=0)
    steps = play(env, WALKTHROUGH[:3])
    assert [truncated for *_, truncated, _ in steps] == [False, False, True]
    assert steps[-1][4]["episode_step"] == 3


def test_reset_to_a_state_taken_mid_walkthrough_returns_there(make_env: MakeEnv) -> None:
    env = make_env()
    env.reset(seed=0)
    middle = MILESTONES["entered_route_29"] + 1
    obs_middle, *_, info_middle = play(env, WALKTHROUGH[:middle])[-1]
    state = crystal(env).save_state()
    play(env, WALKTHROUGH[middle : middle + 5])

    obs, info = env.reset(options={"state": state, "return_state": True})
    assert np.array_equal(obs["screen"], obs_middle["screen"])
    assert np.array_equal(obs["features"], obs_middle["features"])
    assert info["map_id"] == info_middle["map_id"] == (24, 3) and info["episode_step"] == 0
    assert isinstance(info["state"], bytes)
    rest = play(env, WALKTHROUGH[middle:])
    assert [i for i, (_, _, term, _, _) in enumerate(rest) if term] == [BADGE_STEP - middle - 1]
    assert rest[-1][4]["badges"] == 1


def test_reset_takes_a_save_state_file(make_env: MakeEnv, tmp_path: Path) -> None:
    env = make_env()
    env.reset(seed=0)
    obs, *_ = play(env, WALKTHROUGH[:3])[-1]
    path = tmp_path / "three.state"
    path.write_bytes(crystal(env).save_state())
    for given in (path, str(path)):
        again, _ = env.reset(options={"state": given})
        assert same_place_new_episode(again, obs)


def test_info_state_reloads_to_the_same_step(make_env: MakeEnv) -> None:
    env = make_env(info_state=True)
    _, info = env.reset(seed=0)
    assert isinstance(info["state"], bytes)
    obs, *_, info = env.step(action_of(env, "left"))
    env.step(action_of(env, "up"))
    again, _ = env.reset(options={"state": info["state"]})
    assert obs["features"][EXPLORED].any(), "one step left: the tile it came from is walked"
    assert same_place_new_episode(again, obs)


def test_same_seed_and_actions_give_the_same_episode(make_env: MakeEnv) -> None:
    """With forbidden buttons replaced and an impatient anti-stuck rule, the rules' random choices matter."""
    rng = random.Random(5)
    actions = [rng.randrange(8) for _ in range(120)]

    def episode(env: gymnasium.Env) -> list[tuple]:
        obs, _ = env.reset(seed=7)
        out = [(obs["screen"].tobytes(), obs["features"].tobytes())]
        for action in actions:
            obs, reward, _, _, info = env.step(action)
            out.append((obs["screen"].tobytes(), obs["features"].tobytes(), reward, info["button"], info["by_rules"]))
        return out

    first = make_env(stuck_patience=3)
    once = episode(first)
    assert sum(step[4] for step in once[1:]) > 10, "the rules should have chosen some buttons"
    play(first, ["up", "left", "a"])
    assert episode(first) == once
    assert episode(make_env(stuck_patience=3)) == once


def test_without_the_anti_stuck_rule_the_policy_alone_plays(make_env: MakeEnv) -> None:
    """B forty times goes nowhere: with an impatient rule it presses other buttons, with `anti_stuck=False` never."""

    def interventions(env: gymnasium.Env) -> int:
        env.reset(seed=3)
        return sum(info["facts"]["intervention"] for *_, info in play(env, ["b"] * 40))

    assert interventions(make_env(stuck_patience=3)) > 5
    assert interventions(make_env(stuck_patience=3, anti_stuck=False)) == 0


def test_the_features_say_which_neighbouring_tiles_the_episode_walked(make_env: MakeEnv) -> None:
    """The reward pays a tile once an episode; the observation says which next to the player were paid."""
    env = make_env()
    obs, _ = env.reset(seed=0)
    assert not obs["features"][EXPLORED].any()
    seen = [obs for obs, *_ in play(env, ["left", "left", "right"])]
    walked = [obs["features"][EXPLORED].tolist() for obs in seen]
    assert walked == [[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]]
    assert all(env.observation_space.contains(obs) for obs in seen)
