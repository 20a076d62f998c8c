"""The OCPP adapter's error tree: OcppError is its root."""

from __future__ import annotations


class OcppError(Exception):
    """Root of every error raised by ampshare.devices.ocpp."""


class PasswordHashError(OcppError):
    """A stored password hash cannot be read."""


class CallFailedError(OcppError):
    """A CALL to a charger got a CALLERROR, no answer in time, or the connection closed."""


class CallRejectedError(OcppError):
    """A charger answered a CALL, but did not do what it was asked (status not Accepted)."""
