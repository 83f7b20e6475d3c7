"""The ``relcheck`` command. Each command area lives in its own module, imported when one of its commands runs.

Why lazy: a shell pays for every import before a command does anything. ``relcheck --help`` and
``relcheck releases`` must not load pandas, scipy, duckdb or the engine; the command modules import only
click and light base modules at the top, and the core inside each command's function.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Mapping
from typing import Any

import click

from dashboard import __version__
from dashboard.cli.common import safe_text
from dashboard.errors import RelcheckError

#: Exit codes, the same for every command.
EXIT_PASS, EXIT_GATE_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

#: Command name -> "module:attribute" of its click command. The only list of commands.
COMMANDS: dict[str, str] = {
    "attribute": "dashboard.cli.attribute_cmds:attribute_cmd",
    "backtest": "dashboard.cli.backtest_cmds:backtest",
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

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a crash must never look like a verdict (exit 1), so every error gets its code.

        RelcheckError, click's own file and usage errors and unreadable data (:func:`data_error`): exit 2 with
        the message. Anything else is a bug: one line naming it, exit 3. The traceback only with --debug or
        $RELCHECK_DEBUG.
        """
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except click.ClickException as exc:
            if exc.exit_code == 1:  # click.FileError and plain ClickException: a usage or data error here
                exc.exit_code = EXIT_USAGE
            if isinstance(getattr(exc, "message", None), str):
                exc.message = safe_text(exc.message)
            raise
        except RelcheckError as exc:
            click.echo(f"relcheck: error: {safe_text(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - the one place that turns a crash into exit 2 or 3
            if debug_enabled(ctx):
                traceback.print_exc()
            what = data_error(exc)
            if what is not None:
                click.echo(f"relcheck: error: {safe_text(what)}", err=True)
                sys.exit(EXIT_USAGE)
            command = ctx.invoked_subcommand or "relcheck"
            message = safe_text(str(exc)).splitlines()[0] if str(exc).strip() else "(no message)"
            click.echo(f"relcheck: internal error in '{command}': {type(exc).__name__}: {message} "
                       "(rerun with --debug or RELCHECK_DEBUG=1 for the traceback)", err=True)
            sys.exit(EXIT_INTERNAL)


def data_error(exc: BaseException) -> str | None:
    """A one-line message for an exception that means unreadable or missing data, not a bug (exit 2).

    Why: a missing Parquet file, a corrupt JSON catalog or log, a folder where a file should be: the store's
    or the user's files are at fault, and CI must see 2 ("fix your data"), not 3 ("report a bug").
    """
    import json

    from dashboard.sql import budget

    ran_out = budget.explain(exc)  # memory or disk ran out: say which and the setting that changes it
    if ran_out is not None:
        return str(ran_out)
    if isinstance(exc, json.JSONDecodeError):
        return (f"a JSON file of the store is corrupt ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                "rerun with --debug to see which")
    if isinstance(exc, UnicodeDecodeError):
        return f"a file is not valid UTF-8 text ({exc.reason} at byte {exc.start})"
    if isinstance(exc, OSError) and getattr(exc, "filename", None):
        return f"cannot use {exc.filename}: {exc.strerror or exc}"
    if type(exc).__module__.lstrip("_").startswith("duckdb") and type(exc).__name__ == "IOException":
        return f"a release file cannot be read ({str(exc).splitlines()[0]}); the store may be damaged"
    return None


def debug_enabled(ctx: click.Context | None = None) -> bool:
    """Whether tracebacks are shown: ``relcheck --debug`` or a non-empty, non-"0" $RELCHECK_DEBUG."""
    root = ctx.find_root() if ctx is not None else None
    if root is not None and root.params.get("debug"):
        return True
    return os.environ.get("RELCHECK_DEBUG", "").strip() not in ("", "0", "false", "no")


@click.group(cls=LazyGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="relcheck")
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback (also $RELCHECK_DEBUG=1).")
def main(debug: bool) -> None:
    """relcheck: compare footfall releases, attribute every delta, gate and sign off.

    Exit codes: 0 success or gate passed, 1 gate failed, 2 usage or data error, 3 internal error.
    """
