"""Idempotent monkeypatching of moto, shared by the localaws modules.

``wrap(owner, name, tag, make)`` replaces ``owner.name`` (a method, a property's getter or a module
function) by ``make(original)``. Every wrapper remembers the tags of the chain it sits on, so a
second ``install()`` finds its tag and leaves the attribute alone, while different modules may
still wrap the same attribute one after the other.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

Func = Callable[..., Any]

_TAGS = "__localaws_tags__"


def wrap(owner: Any, name: str, tag: str, make: Callable[[Func], Func]) -> None:
    """Replace ``owner.name`` by ``make(original)`` unless a wrapper tagged ``tag`` is in place."""
    current = inspect.getattr_static(owner, name)
    if isinstance(current, property):
        if current.fget is None or tag in getattr(current.fget, _TAGS, ()):
            return
        getter = _tagged(make(current.fget), current.fget, tag)
        setattr(owner, name, property(getter, current.fset, current.fdel, current.__doc__))
        return
    if isinstance(current, (staticmethod, classmethod)):
        raise TypeError(f"localaws: cannot wrap {owner!r}.{name}, a {type(current).__name__}")
    if tag in getattr(current, _TAGS, ()):
        return
    setattr(owner, name, _tagged(make(current), current, tag))


def _tagged(wrapper: Func, original: Func, tag: str) -> Func:
    setattr(wrapper, _TAGS, frozenset(getattr(original, _TAGS, ())) | {tag})
    return wrapper
