"""The control package's error tree."""

from __future__ import annotations


class ControlError(Exception):
    """Root of every error raised by ampshare.control."""


class UnknownDeviceError(ControlError):
    """A reading names a charger or meter that is not in the site."""


class SiteChangeError(ControlError):
    """A change to the site while ampshare runs would make it unsafe or ambiguous."""
