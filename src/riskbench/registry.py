"""Name -> entry registries filled by decorators, extended by third parties via entry points.

A plugin package declares, for example::

    [project.entry-points."riskbench.attacks"]
    my_attack = "my_pkg.attacks:my_attack"

and the module is imported the first time the registry is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from riskbench.errors import UsageError

T = TypeVar("T")


def entry_points(**select: Any) -> Any:
    """importlib.metadata's, imported when plugins are first looked up: importing it is
    ~60 ms (email, zipfile) that a command reading no registry should not pay."""
    from importlib import metadata

    return metadata.entry_points(**select)


class Registry(Generic[T]):
    """`group` is the entry-point group third parties register under; `old_groups` are
    names it had before (read too, so existing plugins keep loading)."""

    def __init__(self, kind: str, list_command: str, group: str,
                 old_groups: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.list_command = list_command
        self.group = group
        self.old_groups = old_groups
        self._entries: dict[str, T] = {}
        self._plugins_loaded = False

    def add(self, name: str, entry: T) -> T:
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def register(self, name: str) -> Callable[[T], T]:
        def decorate(entry: T) -> T:
            return self.add(name, entry)

        return decorate

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for group in (self.group, *self.old_groups):
            for ep in entry_points(group=group):
                if ep.name not in self._entries:
                    self.add(ep.name, ep.load())

    def __contains__(self, name: object) -> bool:
        """Registered so far (by a decorator or a plugin already loaded); no lookup."""
        return name in self._entries

    def get(self, name: str) -> T:
        self._load_plugins()
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UsageError(
                f"unknown {self.kind} {name!r}: choose one of {known} "
                f"(`{self.list_command}` lists them)"
            ) from None

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._entries)

    def __iter__(self) -> Iterator[tuple[str, T]]:
        self._load_plugins()
        return iter(sorted(self._entries.items()))
