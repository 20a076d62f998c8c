"""OcppServer: the central system chargers connect to at ws(s)://host:port/<charger-id>.

One adapter for OCPP 1.6J, 2.0.1 and 2.1: the subprotocol the charger offers picks its session
handler; its id in the URL picks its entry in the site file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import weakref
from collections.abc import Sequence
from typing import Any

from ocpp import messages
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, NegotiationError
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ampshare.config import Installation
from ampshare.config.ocpp_schema import OcppChargerTable
from ampshare.control.errors import SiteChangeError
from ampshare.control.readings import ChargerReading, MeterSample
from ampshare.devices.interfaces import ChargerLink, LoopPort
from ampshare.devices.ocpp.auth import Admission, Gate, Role, charger_id_of
from ampshare.devices.ocpp.calls import RESPONSE_TIMEOUT_S
from ampshare.devices.ocpp.context import ServerContext
from ampshare.devices.ocpp.link import OcppLink
from ampshare.devices.ocpp.registry import Registry
from ampshare.devices.ocpp.session import ChargerSession, ChargerSetup, NeedsMemory
from ampshare.devices.ocpp.v16 import Csms16
from ampshare.devices.ocpp.v201 import Csms21, Csms201
from ampshare.domain import Charger
from ampshare.runtime.site_runtime import SiteRuntime

logger = logging.getLogger(__name__)

_SUBPROTOCOLS = [Subprotocol(p) for p in ("ocpp2.1", "ocpp2.0.1", "ocpp1.6")]
_HANDLERS: dict[str, type[Csms16] | type[Csms201]] = {
    "ocpp1.6": Csms16,
    "ocpp2.0.1": Csms201,
    "ocpp2.1": Csms21,
}


class _Unmanaged:
    """The LoopPort of a retired charger: what it says is not the loop's business."""

    def attach(self, charger_id: str, link: ChargerLink, lease_s: float | None) -> None: ...
    def detach(self, charger_id: str, link: ChargerLink) -> None: ...
    def charger_reading(self, charger_id: str, reading: ChargerReading) -> None: ...
    def meter_sample(self, meter_id: str, sample: MeterSample) -> None: ...
    def offer_refused(self, charger_id: str, offer_a: float) -> None: ...


class OcppServer:
    name = "ocpp"

    def __init__(
        self,
        installation: Installation,
        runtime: SiteRuntime,
        response_timeout_s: float = RESPONSE_TIMEOUT_S,
    ) -> None:
        self.runtime = runtime
        self.registry = Registry(installation, runtime.loop.settings)
        table = self.registry.table
        self.table = table
        self.context = ServerContext(
            heartbeat_interval_s=table.heartbeat_interval_s,
            authorized_tokens=None
            if table.authorized_tokens is None
            else frozenset(table.authorized_tokens),
            clock=runtime.now_s,
        )
        self.gate = Gate(table.security_profile)
        self.response_timeout_s = response_timeout_s
        self.port: int | None = None  # the port it listens on, once it does
        self.listening = asyncio.Event()
        self.links: dict[str, OcppLink] = {}
        self._admissions: weakref.WeakKeyDictionary[ServerConnection, Admission] = (
            weakref.WeakKeyDictionary()
        )
        self._connections: dict[str, ServerConnection] = {}
        self._needs = NeedsMemory()  # what drivers said, kept across reconnections

    @property
    def scheme(self) -> str:
        return "wss" if self.table.security_profile == 2 else "ws"

    async def run(self) -> None:
        # the ocpp package checks payloads in a thread pool by default: a hop per message that
        # costs more than the check itself and queues under load (see bench_ocpp_load.py)
        messages.ASYNC_VALIDATION = False
        async with serve(
            self._handle,
            self.table.host,
            self.table.port,
            subprotocols=_SUBPROTOCOLS,
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            ssl=self._tls(),
            compression=None,  # chargers rarely deflate; it costs CPU per message
        ) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            logger.info(
                "OCPP: listening on %s://%s:%d/<charger-id>",
                self.scheme,
                self.table.host,
                self.port,
            )
            self.listening.set()
            await asyncio.Future()

    def _tls(self) -> ssl.SSLContext | None:
        if self.table.security_profile < 2:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2  # OCPP security profile 2
        assert self.table.tls_cert_file is not None and self.table.tls_key_file is not None
        context.load_cert_chain(self.table.tls_cert_file, self.table.tls_key_file)
        return context

    # the handshake ---------------------------------------------------------------------------

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        known = self.registry.lookup(charger_id_of(request.path))
        admitted = await self.gate.admit(
            connection,
            request,
            None if known is None else known.role,
            None if known is None else known.password_hash,
        )
        if isinstance(admitted, Response):
            return admitted
        self._admissions[connection] = admitted
        return None

    def _select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        admission = self._admissions.get(connection)
        known = None if admission is None else self.registry.lookup(admission.charger_id)
        if known is None:
            raise NegotiationError("not admitted")
        for protocol in known.protocols:
            if protocol in offered:
                return Subprotocol(protocol)
        logger.warning(
            "charger %s offers %s, but the site file says %s: refused",
            admission.charger_id if admission else "?",
            ", ".join(offered) or "no subprotocol",
            " or ".join(known.protocols),
        )
        raise NegotiationError("no common OCPP version")

    # a connection ----------------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        admission = self._admissions.pop(connection, None)
        protocol = connection.subprotocol
        if admission is None or protocol is None:
            await connection.close(1002, "no OCPP subprotocol")
            return
        charger_id = admission.charger_id
        port: LoopPort = self.runtime
        setup: ChargerSetup | None
        if admission.role is Role.RETIRED:
            port, setup = _Unmanaged(), self._retired_setup(charger_id)
        elif admission.role is Role.NEW:
            setup = self._register(charger_id, protocol)
            if setup is None:
                await connection.close(1008, "not admitted")
                return
        else:
            known = self.registry.lookup(charger_id)
            setup = None if known is None else known.setup
        assert setup is not None
        await self._serve(
            connection,
            charger_id=charger_id,
            protocol=protocol,
            setup=setup,
            port=port,
            role=admission.role,
        )

    def _register(self, charger_id: str, protocol: str) -> ChargerSetup | None:
        charger = self.registry.new_charger(charger_id)
        try:
            self.runtime.add_charger(charger)
        except SiteChangeError as exc:
            logger.warning("charger %s cannot join the site: %s", charger_id, exc)
            return None
        setup = self.registry.setup(self.runtime.site, charger, OcppChargerTable())
        self.registry.registered(charger_id, protocol, setup)
        logger.info("charger %s registered itself on circuit %s", charger_id, charger.circuit)
        return setup

    def _retired_setup(self, charger_id: str) -> ChargerSetup:
        charger = Charger(charger_id, "", max_current_a=0.0, fallback_current_a=0.0)
        return self.registry.setup(self.runtime.site, charger, OcppChargerTable())

    async def _serve(
        self,
        connection: ServerConnection,
        *,
        charger_id: str,
        protocol: str,
        setup: ChargerSetup,
        port: LoopPort,
        role: Role,
    ) -> None:
        session = ChargerSession(setup, port, self.runtime.now_s, self._needs)
        device = _HANDLERS[protocol](connection, session, self.context, self.response_timeout_s)
        link = OcppLink(
            device,
            session,
            self.table.meter_value_sample_interval_s,
            max_offline_duration=protocol == "ocpp2.1",
        )
        device.on_spoken = link.spoke.set
        older = self._connections.get(charger_id)
        if older is not None:
            logger.info("charger %s connected again: closing its older connection", charger_id)
            await older.close(1000, "replaced by a newer connection")
        self._connections[charger_id] = connection
        logger.info("charger %s connected (%s)", charger_id, protocol)
        if role is Role.MANAGED or role is Role.NEW:
            self.links[charger_id] = link
            port.attach(charger_id, link, setup.lease_s)
            work = [link.run(), self._keepalive(session)]
        else:
            work = [self._clear_retired(link)]
        tasks = [asyncio.create_task(job) for job in work]
        for task in tasks:
            task.add_done_callback(lambda done: _close_on_failure(done, connection, charger_id))
        try:
            await device.start()
        except ConnectionClosed as exc:
            logger.warning("charger %s disconnected (%s)", charger_id, exc.rcvd or "no close frame")
        finally:
            for task in tasks:
                task.cancel()
            if self._connections.get(charger_id) is connection:
                del self._connections[charger_id]
            if self.links.get(charger_id) is link:
                del self.links[charger_id]
            port.detach(charger_id, link)

    async def _keepalive(self, session: ChargerSession) -> None:
        while True:
            await asyncio.sleep(session.setup.keepalive_s / 2)
            if session.keepalive_due():
                session.report()

    async def _clear_retired(self, link: OcppLink) -> None:
        await link.spoke.wait()
        await link.clear_ampshare_profiles()
        logger.warning(
            "charger %s is retired in the site file: ampshare's profiles are cleared from it "
            "and it is not load-managed",
            link.charger_id,
        )


def _close_on_failure(
    task: asyncio.Task[Any], connection: ServerConnection, charger_id: str
) -> None:
    if task.cancelled() or task.exception() is None:
        return
    logger.error("charger %s: %s", charger_id, task.exception(), exc_info=task.exception())
    # a fresh connection configures the charger again
    with contextlib.suppress(RuntimeError):
        asyncio.get_running_loop().create_task(connection.close(1011, "internal error"))
