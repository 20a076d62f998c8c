"""ampshare: automatic load management for EV chargers."""

__version__ = "0.1.0"
