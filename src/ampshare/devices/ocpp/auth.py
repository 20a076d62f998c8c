"""Who may connect: the charger id in the URL, and at security profiles 1 and 2 its password
(HTTP basic auth, the username being the charger id). A refused charger learns nothing about
the site: every refusal at profile 1 and 2 is the same 401, whatever the reason."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http
import logging
import secrets
from dataclasses import dataclass
from enum import Enum
from urllib.parse import unquote

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader
from websockets.headers import build_www_authenticate_basic, parse_authorization_basic
from websockets.http11 import Request, Response

from ampshare.devices.ocpp.errors import PasswordHashError
from ampshare.devices.ocpp.passwords import verify_password

logger = logging.getLogger(__name__)

_REALM = "ampshare OCPP"


class Role(Enum):
    MANAGED = "managed"  # a charger of the site (or one registered while running)
    NEW = "new"  # unknown: it registers into the auto-registration circuit
    RETIRED = "retired"  # taken out of the site: its profiles are cleared


@dataclass(frozen=True)
class Admission:
    charger_id: str
    role: Role


def charger_id_of(path: str) -> str:
    """The last segment of ws://host:port/<path>/<charger-id>."""
    return unquote(path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])


class Gate:
    """process_request for websockets.serve: admits chargers, refuses the rest."""

    def __init__(self, security_profile: int) -> None:
        self.security_profile = security_profile
        self._cache_key = secrets.token_bytes(32)
        self._verified: set[tuple[str, str, bytes]] = set()
        self._checking = asyncio.Semaphore(2)  # PBKDF2 is slow on purpose: bound the cost

    async def admit(
        self,
        connection: ServerConnection,
        request: Request,
        role: Role | None,
        password_hash: str | None,
    ) -> Admission | Response:
        """role: what the id in the URL is to the site (None: unknown and not admitted)."""
        charger_id = charger_id_of(request.path)
        peer = _peer(connection)
        if self.security_profile == 0:
            if role is None:
                logger.warning("charger %s (from %s) is not in the site: refused", charger_id, peer)
                return connection.respond(http.HTTPStatus.NOT_FOUND, "Unknown charge point\n")
            return Admission(charger_id, role)
        if role is None or password_hash is None:
            logger.warning("charger %s (from %s) is not in the site: refused", charger_id, peer)
            return _unauthorized(connection)
        credentials = _credentials(request.headers)
        if credentials is None:
            logger.warning("charger %s (from %s) gave no password: refused", charger_id, peer)
            return _unauthorized(connection)
        username, password = credentials
        if username != charger_id or not await self._check(charger_id, password, password_hash):
            logger.warning("charger %s (from %s): wrong password: refused", charger_id, peer)
            return _unauthorized(connection)
        return Admission(charger_id, role)

    async def _check(self, charger_id: str, password: str, password_hash: str) -> bool:
        token = hmac.new(self._cache_key, password.encode(), hashlib.sha256).digest()
        key = (charger_id, password_hash, token)
        if key in self._verified:
            return True
        async with self._checking:
            try:
                ok = await asyncio.to_thread(verify_password, password, password_hash)
            except PasswordHashError as exc:
                logger.error("charger %s: its password_hash is unusable: %s", charger_id, exc)
                return False
        if ok:
            self._verified.add(key)
        return ok


def _credentials(headers: Headers) -> tuple[str, str] | None:
    try:
        return parse_authorization_basic(headers["Authorization"])
    except (KeyError, InvalidHeader):
        return None


def _unauthorized(connection: ServerConnection) -> Response:
    response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
    response.headers["WWW-Authenticate"] = build_www_authenticate_basic(_REALM)
    return response


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return str(address[0]) if address else "?"
