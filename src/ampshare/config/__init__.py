"""The edge where files come in: site files (TOML), state files (JSON), allocation reports.

Pydantic lives here and only here; what leaves this package is the domain's frozen dataclasses.
"""

from ampshare.config.errors import ConfigError
from ampshare.config.installation import Installation
from ampshare.config.report import allocation_to_dict
from ampshare.config.scenario_file import load_scenario
from ampshare.config.site_file import load_installation, load_site, parse_installation, parse_site
from ampshare.config.state_file import load_state, parse_state

__all__ = [
    "ConfigError",
    "Installation",
    "allocation_to_dict",
    "load_installation",
    "load_scenario",
    "load_site",
    "load_state",
    "parse_installation",
    "parse_site",
    "parse_state",
]
