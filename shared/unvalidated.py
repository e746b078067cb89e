"""Models built from values the code produced and typed itself, once per step, without validation.

`model_construct` is pydantic's way to skip validation, but it still walks every field per
call to look for aliases and fill defaults: 6 µs for a `GameState`, and the emulator builds
five such models a step, right after a tick has emptied the CPU's caches. When every field
is given, none of that walk has anything to do; `unvalidated_constructor` does only what is left of it (the
four attributes `model_construct` sets), for about 1 µs.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__


def unvalidated_constructor(model: type[M]) -> Callable[..., M]:
    """A constructor for `model` that takes every field by name, as `model_construct` would, and checks nothing.

    Only for models without private attributes, extra fields or `model_post_init` (refused here,
    once, rather than built wrong on every call); the tests compare it with `model_construct`.
    """
    if model.__private_attributes__ or model.model_config.get("extra") == "allow" or model.__pydantic_post_init__:
        raise TypeError(f"{model.__name__} has private attributes, extra fields or post-init: use model_construct")
    names = frozenset(model.model_fields)
    new = model.__new__

    def construct(**values: Any) -> M:
        instance = new(model)
        _set(instance, "__dict__", values)
        _set(instance, "__pydantic_fields_set__", set(names))
        _set(instance, "__pydantic_extra__", None)
        _set(instance, "__pydantic_private__", None)
        return instance

    return construct
