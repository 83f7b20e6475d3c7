"""The ``relcheck`` command. Each command area lives in its own module."""

from __future__ import annotations

import click

from dashboard import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="relcheck")
def main() -> None:
    """relcheck: compare footfall releases, attribute every delta, gate and sign off.

    Exit codes: 0 success or gate passed, 1 gate failed, 2 usage or data error.
    """


def _register() -> None:
    import importlib

    for module in ("store_cmds", "compare_cmds", "attribute_cmds", "gate_cmds", "chaos_cmds"):
        try:
            importlib.import_module(f"dashboard.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"dashboard.cli.{module}":
                raise


_register()
