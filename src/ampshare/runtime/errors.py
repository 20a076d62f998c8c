"""The runtime package's error tree: ServeError is its root."""

from __future__ import annotations


class ServeError(Exception):
    """ampshare cannot run this installation as it is."""


class NothingToServeError(ServeError):
    """No device in the site file is reachable by any protocol."""
