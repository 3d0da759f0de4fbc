"""Schema evolution: a payload written under an older `class_version` brought to the current one.

One function for every place that reads an old payload: the store's decode and a correction's
`replacement` (which carries the version it was written under as `"v"`).
"""

from __future__ import annotations

from typing import Any

from tracker.events.base import Development

__all__ = ["REPLACEMENT_VERSION", "upcast", "upcast_replacement"]

REPLACEMENT_VERSION = "v"
"""The key under which a replacement names the class version its fields follow."""


def upcast(cls: type[Development], payload: dict[str, Any], version: int) -> dict[str, Any]:
    """Apply `cls.upcast_vN_vN+1` in turn from `version` to `cls.class_version` (in place; returned)."""
    while version < cls.class_version:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(payload)
        version += 1
    return payload


def upcast_replacement(value: Any, types: dict[str, type[Development]]) -> Any:
    """A replacement (JSON form with its `type`) upcast to its class's current version and marked with it.

    Without a mark the replacement is taken as written now (user input); stored corrections of
    the first schema get the mark `1` from `EventCorrected.upcast_v1_v2` before this runs.
    Anything that is not a known event type is returned unchanged: the rules refuse it by name.
    """
    if not isinstance(value, dict):
        return value
    cls = types.get(value.get("type"))  # type: ignore[arg-type]
    if cls is None:
        return value
    body = dict(value)
    version = body.pop(REPLACEMENT_VERSION, cls.class_version)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= cls.class_version:
        return value  # an impossible mark: left as is, refused when parsed
    return {**upcast(cls, body, version), REPLACEMENT_VERSION: cls.class_version}
