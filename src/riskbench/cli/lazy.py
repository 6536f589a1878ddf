"""The root command group, loading each command's module only when that command runs.

A command module imports its stage (the store, the pipeline, rich tables), so assembling
every group at start-up cost every command the imports of all of them: `riskbench runs`
paid for campaigns, judges and reports. Here the root knows commands by name only
(`cli.COMMANDS`); click asks for a command by name when it resolves one, and
`riskbench --help` asks for all of them, so the listing is the same as an eager root's.

Start-up allocates some 70,000 objects (modules, classes, SQLAlchemy's and pydantic's
tables) and frees almost none, yet the cyclic collector scanned them some 180 times
while `riskbench runs` started: a tenth of its instructions. So the collector is paused from the
root's import until the command's callback is called (its module and what that imports
at its top, its options parsed) and then resumed with those objects frozen out of its
scans (`gc.freeze`); `main` gives the process the collector back as it found it.

The root's `--help` lists the commands from their summaries (`cli.summaries`) instead of
importing every module, and an option's plain value is coerced without pydantic
(`PlainValue`): together two thirds of `riskbench --help`'s and a sixth of `runs`' start-up.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

Click = Any  # a click Command of typer's click (typer._click or click, by version)


def command_from(spec: str, name: str) -> Click:
    """The click command `name` from `spec` = `module:attribute` of `riskbench.cli`: a
    module's command collection (`app`, whose commands keep their own names), a group
    (a Typer app mounted as `name`) or a command function."""
    module, attribute = spec.split(":")
    found = getattr(importlib.import_module(f"riskbench.cli.{module}"), attribute)
    holder = typer.Typer()  # converts as the eager root did: same help and options
    if attribute == "app":
        holder.registered_commands += found.registered_commands
        holder.registered_groups += found.registered_groups
    elif isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name)(found)
    command = get_group(holder).get_command(None, name)  # type: ignore[arg-type]
    if command is None:
        raise LookupError(f"{spec} defines no command {name!r}")
    _plain_values(command)
    return command


class PlainValue:
    """typer's coercion of a plain `str`, `int` or `float` option's value, for the values
    that need none. typer (0.29) coerces every value that is not a flag's with a pydantic
    `TypeAdapter`, built for each option when the command parses: importing pydantic
    for that was a sixth of `riskbench runs`. For a plain type (no parser, no range, one
    value) that adapter returns None, and a value of exactly the type, as it is: a default
    or a `--db` string; anything else (`--limit 10` arrives as text) goes to typer's own
    coercion, so every message and result is typer's."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.exact = descriptor.annotation
        self._full: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None or type(value) is self.exact:
            return value
        if self._full is None:
            from typer._coercion import build_runtime_param

            self._full = build_runtime_param(self.descriptor)
        return self._full.coerce(value, param=param, ctx=ctx)


def plain(param: Any) -> bool:
    """Whether `param` is a typer option or argument of one plain `str`, `bool`, `int` or
    `float` value whose coercion typer has not built yet."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", False) is not None:
        return False  # another typer, or built already
    info = descriptor.parameter_info
    return (descriptor.file_annotation is None and info.parser is None
            and not param.multiple and param.nargs == 1
            and (descriptor.annotation in (str, bool) or (
                descriptor.annotation in (int, float) and info.min is None
                and info.max is None)))


def make_plain(param: Any) -> None:
    if plain(param):
        param._runtime_param = PlainValue(param.type_descriptor)


def _plain_values(command: Click) -> None:
    """Plain coercion for `command`'s options, its `--help` (made when it parses) and its
    subcommands'."""
    for param in command.params:
        make_plain(param)
    help_option = command.get_help_option

    def plain_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            make_plain(option)
        return option

    command.get_help_option = plain_help_option
    for sub in getattr(command, "commands", {}).values():
        _plain_values(sub)


_paused = [False]  # the collector was on when start-up paused it


def pause_collector() -> None:
    if gc.isenabled():
        gc.disable()
        _paused[0] = True


def resume_collector(freeze: bool = False) -> None:
    if _paused[0]:
        _paused[0] = False
        if freeze:
            gc.freeze()
        gc.enable()


def _resuming(command: Click) -> Click:
    """`command`, resuming the collector (start-up's objects frozen) when it is invoked."""
    invoke = command.invoke

    def invoke_collecting(ctx: Any) -> Any:
        resume_collector(freeze=True)
        return invoke(ctx)

    command.invoke = invoke_collecting
    return command


class LazyCommands(MutableMapping[str, Click]):
    """name -> click command, in the table's order, each imported on first access."""

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table = dict(table)
        self._loaded: dict[str, Click] = {}

    def __getitem__(self, name: str) -> Click:
        if name not in self._loaded:
            self._loaded[name] = _resuming(command_from(self._table[name], name))
        return self._loaded[name]

    def __setitem__(self, name: str, command: Click) -> None:
        self._table.setdefault(name, "")
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._table[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, name: object) -> bool:
        return name in self._table

    def loaded(self, name: str) -> bool:
        return name in self._loaded


class LazyGroup(TyperGroup):
    """A TyperGroup whose commands come from `table` on first use; its own `--help` lists
    them from their summaries (`cli.summaries`) where those are current."""

    table: Mapping[str, str] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = self._lazy = LazyCommands(self.table)
        self._listing: dict[str, dict[str, Any]] | None = None

    def get_command(self, ctx: Any, cmd_name: str) -> Click | None:
        if self._listing and cmd_name in self._listing and not self._lazy.loaded(cmd_name):
            return TyperCommand(cmd_name, **self._listing[cmd_name])
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: typer's reads every command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from riskbench.cli import summaries

        self._listing = summaries.load()
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = None

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            make_plain(option)
        return option
