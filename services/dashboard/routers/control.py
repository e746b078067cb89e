"""`POST /api/envs/{env}/control`: the only write the dashboard makes, to `control:{env}`, with the token."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.dashboard.deps import HubDep, PublisherDep, require_control
from services.dashboard.live import known_envs
from services.dashboard.routers.envs import unknown_env
from shared.buttons import Button
from shared.messages import ControlCommand, ControlName

router = APIRouter(prefix="/api/envs", tags=["control"], dependencies=[Depends(require_control)])


class ControlRequest(BaseModel):
    """One command; each needs its own argument and no other, so a typo is a 422, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")

    command: ControlName
    button: Button | None = None
    """For `press`."""
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """Save-state name for `save` (optional) and `load` (required)."""
    value: int | None = Field(default=None, ge=1, le=100_000)
    """New LLM interval in steps for `set_llm_interval`."""

    @model_validator(mode="after")
    def _arguments_fit(self) -> "ControlRequest":
        needs = {"press": "button", "load": "name", "set_llm_interval": "value"}
        allowed = {"press": {"button"}, "save": {"name"}, "load": {"name"}, "set_llm_interval": {"value"}}
        required = needs.get(self.command)
        if required is not None and getattr(self, required) is None:
            raise ValueError(f"{self.command!r} needs {required!r}")
        given = {f for f in ("button", "name", "value") if getattr(self, f) is not None}
        extra = given - allowed.get(self.command, set())
        if extra:
            raise ValueError(f"{self.command!r} takes no {', '.join(sorted(extra))}")
        return self


class ControlAccepted(BaseModel):
    id: str
    """The command id: the emulator's `control_ack` event carries it in `data.id`."""
    env: str
    command: str
    stream: str
    entry_id: str | None
    """The stream entry id, or None when Redis was unreachable and the command waits in the publisher's buffer."""
    status: Literal["sent", "queued"]


@router.post("/{env}/control", status_code=status.HTTP_202_ACCEPTED)
async def control(
    env: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")],
    body: ControlRequest,
    hub: HubDep,
    publisher: PublisherDep,
) -> ControlAccepted:
    """Pause, resume, press a button, save or load a named state, set the LLM interval. The emulator
    acknowledges with a `control_ack` event (live on `/api/live`, or `GET /api/controls/{id}`)."""
    if env not in known_envs(hub):
        raise HTTPException(status.HTTP_404_NOT_FOUND, unknown_env(env, hub))
    command = ControlCommand(id=uuid.uuid4().hex, env=env, **body.model_dump(exclude_none=True))
    stream = hub.keys.control(env)
    entry_id = await publisher.publish(stream, command)
    return ControlAccepted(
        id=command.id,
        env=env,
        command=command.command,
        stream=stream,
        entry_id=entry_id,
        status="sent" if entry_id else "queued",
    )
