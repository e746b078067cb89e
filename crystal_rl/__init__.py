"""The `crystal-rl` command, and with the `gym` extra the game as a Gymnasium environment.

The command starts the services as processes and reports on them; it never imports a service's
internals: services are separate processes that talk through Redis.

Importing this package registers the environment `crystal_rl/Crystal-v0` when Gymnasium is
installed (Gymnasium 1.x loads no plugins: `gymnasium.make("crystal_rl:crystal_rl/Crystal-v0")`
imports this package to register it). The env itself (`crystal_rl.env`, with PyBoy) is imported only
when one is made, and without Gymnasium nothing is registered, so the command works without the extra.
"""

ENV_ID = "crystal_rl/Crystal-v0"


def _register_env() -> None:
    try:
        import gymnasium
    except ModuleNotFoundError as exc:
        if exc.name != "gymnasium":
            raise
        return
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(id=ENV_ID, entry_point="crystal_rl.env:CrystalEnv")


_register_env()
