"""Building frozen model configs from plain dicts (CLI flags, run.json), strictly."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def config_from_dict(cls: type[T], values: dict[str, Any] | None) -> T:
    """Instantiate the frozen dataclass ``cls`` from ``values``; unknown keys raise.

    Args:
        cls: A dataclass type.
        values: Field values; missing fields take their defaults.

    Raises:
        ValueError: Naming the unknown keys and listing the valid ones.
    """
    values = dict(values or {})
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown {cls.__name__} key(s) {unknown}; valid keys are {sorted(known)}")
    for name, value in values.items():
        default = known[name].default
        if isinstance(default, tuple) and isinstance(value, list):
            values[name] = tuple(value)
    return cls(**values)


def stored_config(cls: type[T], values: dict[str, Any] | None) -> T:
    """:func:`config_from_dict` for a config read back from a run directory.

    A stored config holds every field its version knew; a field it lacks was added later, so it
    takes the value that reproduces the old behaviour, ``cls.LEGACY[field]`` when the class
    declares one (e.g. HM4SR's ``absolute_time``, added with a new default), else its default.
    A field it holds that was removed since (``cls.REMOVED[field]``: the value every model now
    behaves as) is dropped when it has that value.

    Raises:
        ValueError: For a removed field stored with another value: today's code cannot rebuild
            that model, and the message says so and how to go on.
    """
    values = dict(values or {})
    for name, kept in getattr(cls, "REMOVED", {}).items():
        stored = values.pop(name, kept)
        if stored != kept:
            raise ValueError(
                f"this run was trained with {cls.__name__} {name}={stored!r}, an experiment that lost on validation "
                f"and was removed (docs/results.md, \"Experiments removed\"); this version opens only runs trained "
                f"with {name}={kept!r}: retrain it, or open it with a version from before the removal.")
    legacy = getattr(cls, "LEGACY", {})
    return config_from_dict(cls, {**{k: v for k, v in legacy.items() if k not in values}, **values})


def config_to_dict(config: Any) -> dict[str, Any]:
    """A JSON-friendly dict of a config dataclass."""
    return dataclasses.asdict(config)


def preset(cls: type, name: str) -> dict[str, Any]:
    """The overrides of the named preset of config class ``cls`` (its ``PRESETS`` class attribute).

    Raises:
        ValueError: Naming the unknown preset and listing the ones ``cls`` has.
    """
    presets = getattr(cls, "PRESETS", {})
    if name not in presets:
        raise ValueError(f"{cls.__name__} has no preset {name!r}; presets: {sorted(presets) or 'none'}")
    return dict(presets[name])
