"""Small helpers to write site and state files in tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampshare.config import ConfigError, load_site, load_state
from ampshare.domain import Site

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED_SITE = EXAMPLES / "two_juiceboxes.toml"
SEED_STATE = EXAMPLES / "two_juiceboxes_state.json"

# Seed 000 as a user would write it, with nothing optional.
SEED_TOML = """
[site]
name = "seed"
voltage_v = 240

[[circuits]]
id = "garage"
breaker_a = 50

[[chargers]]
id = "left"
circuit = "garage"
max_current_a = 40

[[chargers]]
id = "right"
circuit = "garage"
max_current_a = 40
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def site_problems(path: Path) -> list[str]:
    """The lines of the ConfigError that load_site must raise."""
    with pytest.raises(ConfigError) as info:
        load_site(path)
    assert info.value.path == path
    return info.value.lines()


def state_problems(path: Path, site: Site) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_state(path, site)
    assert info.value.path == path
    return info.value.lines()
