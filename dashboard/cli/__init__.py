"""The ``relcheck`` command. Each command area lives in its own module, imported when one of its commands runs.

Why lazy: a shell pays for every import before a command does anything. ``relcheck --help`` and
``relcheck releases`` must not load pandas, scipy, duckdb or the engine; the command modules import only
click and light base modules at the top, and the core inside each command's function.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import click

from dashboard import __version__

#: Command name -> "module:attribute" of its click command. The only list of commands.
COMMANDS: dict[str, str] = {
    "attribute": "dashboard.cli.attribute_cmds:attribute_cmd",
    "chaos": "dashboard.cli.chaos_cmds:chaos",
    "chaos-sensitivity": "dashboard.cli.chaos_cmds:chaos_sensitivity",
    "compare": "dashboard.cli.compare_cmds:compare",
    "gate": "dashboard.cli.gate_cmds:gate",
    "history": "dashboard.cli.gate_cmds:history",
    "import": "dashboard.cli.import_cmds:import_group",
    "ingest": "dashboard.cli.store_cmds:ingest",
    "promote": "dashboard.cli.store_cmds:promote",
    "releases": "dashboard.cli.store_cmds:releases",
    "repair": "dashboard.cli.repair_cmds:repair",
    "report": "dashboard.cli.gate_cmds:report",
    "revoke-signoff": "dashboard.cli.gate_cmds:revoke_signoff_cmd",
    "sample": "dashboard.cli.store_cmds:sample",
    "serve": "dashboard.cli.store_cmds:serve",
    "signoff": "dashboard.cli.gate_cmds:signoff",
    "signoffs": "dashboard.cli.gate_cmds:signoffs",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is asked for."""

    def __init__(self, *args: object, lazy_commands: Mapping[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module, attribute = self.lazy_commands[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="relcheck")
def main() -> None:
    """relcheck: compare footfall releases, attribute every delta, gate and sign off.

    Exit codes: 0 success or gate passed, 1 gate failed, 2 usage or data error.
    """
