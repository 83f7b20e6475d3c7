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


# Each module registers its commands on ``main`` when imported.
from dashboard.cli import (  # noqa: E402, F401
    attribute_cmds,
    chaos_cmds,
    compare_cmds,
    gate_cmds,
    import_cmds,
    store_cmds,
)
