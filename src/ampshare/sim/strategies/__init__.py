"""The strategies ampshare is compared with: the ways people share a circuit today.

Each is a Controller for SiteSimulation (`SiteSimulation(site, controller=StaticSplit(site))`)
with a short `name` and a one-line `description` for the comparison table. They are baselines:
they send cuts and raises at once, without leases, and may overload a circuit.
"""

from ampshare.sim.strategies.base import BaselineStrategy
from ampshare.sim.strategies.equal_split import EqualSplit
from ampshare.sim.strategies.first_come import FirstComeGreedy
from ampshare.sim.strategies.primary_secondary import PrimarySecondary
from ampshare.sim.strategies.static_split import StaticSplit

# in the order a comparison lists them: from the oldest practice to the most dynamic
BASELINES: tuple[type[BaselineStrategy], ...] = (
    StaticSplit,
    EqualSplit,
    PrimarySecondary,
    FirstComeGreedy,
)

__all__ = [
    "BASELINES",
    "BaselineStrategy",
    "EqualSplit",
    "FirstComeGreedy",
    "PrimarySecondary",
    "StaticSplit",
]
