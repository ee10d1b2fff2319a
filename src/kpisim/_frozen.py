"""A read-only mapping that can be pickled and deep-copied.

``types.MappingProxyType`` is read-only but cannot be pickled, so objects
holding one (an indicator's actuals and targets, a fitted model's parameters)
could not be sent to another process (``concurrent.futures``, ``joblib``,
Dask) or deep-copied. :class:`FrozenMap` keeps the same behaviour: reading
works as on a dict, writing raises ``TypeError``, and it compares equal to any
mapping with the same items.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

__all__ = ["FrozenMap"]


class FrozenMap(Mapping[K, V]):
    """An immutable ``Mapping`` over a private copy of ``data``.

    Examples
    --------
    >>> import pickle
    >>> m = FrozenMap({2021: 1100.0})
    >>> m[2021], dict(m) == {2021: 1100.0}, pickle.loads(pickle.dumps(m)) == m
    (1100.0, True, True)
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | Any = ()) -> None:
        object.__setattr__(self, "_data", dict(data))

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __setattr__(self, name: str, value: Any) -> None:
        msg = "FrozenMap is read-only"
        raise AttributeError(msg)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))
