"""Values worked out once per immutable object (an instrument, an expression) and
forgotten with it, so a reloaded instrument never meets its predecessor's values."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def kept_with(owner: Any, store: dict[int, T], make: Callable[[], T]) -> T:
    """`store`'s value for `owner`: made by `make()` the first time, dropped from `store`
    when `owner` is garbage-collected (its id may then be reused)."""
    key = id(owner)
    found = store.get(key)
    if found is None:
        found = store[key] = make()
        weakref.finalize(owner, store.pop, key, None)
    return found
