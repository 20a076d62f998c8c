"""Charger passwords (OCPP security profiles 1 and 2), stored only as salted PBKDF2 hashes:
"pbkdf2_sha256$<iterations>$<salt>$<hash>", salt and hash in base64."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from ampshare.devices.ocpp.errors import PasswordHashError

ALGORITHM = "pbkdf2_sha256"
# OWASP's figure for PBKDF2-HMAC-SHA256 (2023): about 0.3 s per check on a small server, so
# the server checks a password once per connection, in a worker thread
DEFAULT_ITERATIONS = 600_000
_SALT_BYTES = 16


def hash_password(password: str, iterations: int = DEFAULT_ITERATIONS) -> str:
    if iterations < 1:
        raise PasswordHashError(f"iterations must be at least 1, not {iterations}")
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True if password is the one encoded was made from (in constant time)."""
    iterations, salt, digest = _parse(encoded)
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return hmac.compare_digest(candidate, digest)


def generate_password() -> str:
    """A random password of 24 characters (OCPP wants 16 to 40)."""
    return secrets.token_urlsafe(18)


def _parse(encoded: str) -> tuple[int, bytes, bytes]:
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit():
        raise PasswordHashError(f"not a {ALGORITHM} hash made by `ampshare hash-password`")
    try:
        salt = base64.b64decode(parts[2], validate=True)
        digest = base64.b64decode(parts[3], validate=True)
    except binascii.Error as exc:
        raise PasswordHashError("the salt or hash of a password hash is not base64") from exc
    return int(parts[1]), salt, digest


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
