"""Where the shipped sample inputs live, in a checkout and in an installed wheel."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def sample_data_dir() -> Path:
    packaged = resources.files("dashboard") / "sample_data"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "sample_data"


def default_stakeholders() -> Path:
    env = os.environ.get("RELCHECK_STAKEHOLDERS")
    return Path(env) if env else sample_data_dir() / "stakeholders.toml"


def default_scenarios() -> Path:
    env = os.environ.get("RELCHECK_SCENARIOS")
    return Path(env) if env else sample_data_dir() / "chaos.toml"
