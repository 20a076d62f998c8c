"""OcppLink: a connected charger's ChargerLink. Commands are queued without blocking and sent
one CALL at a time, in order, after the charger is configured; only the newest command waits
(a newer offer makes an older one moot); every answer is checked; a refused offer is
reported, then sent again with a growing pause while the charger keeps refusing."""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import UTC, datetime

from ampshare.control.readings import Command
from ampshare.devices.cancellation import stop_if_cancelled
from ampshare.devices.ocpp import profiles
from ampshare.devices.ocpp.device import Device
from ampshare.devices.ocpp.errors import CallFailedError, CallRejectedError
from ampshare.devices.ocpp.profiles import Levels, Limit
from ampshare.devices.ocpp.session import ChargerSession
from ampshare.domain import CarState

logger = logging.getLogger(__name__)

MEASURANDS = "Current.Import,Current.Offered,Power.Active.Import,Energy.Active.Import.Register"
_BACKOFF_FIRST_S = 1.0
_BACKOFF_MAX_S = 60.0

CallError = (CallFailedError, CallRejectedError)


class OcppLink:
    def __init__(
        self,
        device: Device,
        session: ChargerSession,
        meter_interval_s: int,
        max_offline_duration: bool = False,
        backoff_first_s: float = _BACKOFF_FIRST_S,
    ) -> None:
        self.device = device
        self.session = session
        self.meter_interval_s = meter_interval_s
        self.max_offline_duration = max_offline_duration
        self.levels = Levels(profiles.DEFAULT_MAX_STACK_LEVEL)
        self.rate_unit: str = session.setup.ocpp.rate_unit
        self.fail_safe = True  # the baseline is installed
        self.spoke = asyncio.Event()  # the charger sent its first message: it is up
        self.configured = asyncio.Event()
        self._latest: Command | None = None
        self._wake = asyncio.Event()
        self._backoff_first_s = backoff_first_s
        self._backoff_s = backoff_first_s
        self._hold_until_s = 0.0  # after a refusal, nothing is sent before this
        self._offered_a: float | None = None  # the last offer the charger accepted
        self._default_offer_set = False
        self._start_due_s = math.inf

    @property
    def charger_id(self) -> str:
        return self.session.charger_id

    # ChargerLink -----------------------------------------------------------------------------

    def deliver(self, command: Command) -> None:
        self._latest = command
        self._wake.set()

    # the sender ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Configure the charger once it has spoken, then send commands until cancelled."""
        await self.spoke.wait()
        await self.configure()
        self.configured.set()
        while True:
            stop_if_cancelled()  # a call's answer may have come in place of a cancellation
            await self._wait()
            now_s = self.session.clock()
            if self.session.car_left.is_set():
                self.session.car_left.clear()
                await self._session_ended()
            if self._latest is not None and now_s >= self._hold_until_s:
                command, self._latest = self._latest, None
                await self._send_offer(command)
            if self.session.clock() >= self._start_due_s:
                await self._install_start()

    async def _wait(self) -> None:
        now_s = self.session.clock()
        due_s = self._start_due_s
        if self._latest is not None:
            due_s = min(due_s, self._hold_until_s)
        if self.session.car_left.is_set() or due_s <= now_s:
            return
        self._wake.clear()
        timeout_s = None if math.isinf(due_s) else due_s - now_s
        waits = [asyncio.ensure_future(self._wake.wait())]
        waits.append(asyncio.ensure_future(self.session.car_left.wait()))
        try:
            await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    # configuration ---------------------------------------------------------------------------

    async def configure(self) -> None:
        """What ampshare needs of the charger: meter values, its stack levels and rate units,
        and the fail-safe baseline (plus the start profile where it differs)."""
        try:
            await self.device.configure_meter_values(self.meter_interval_s, MEASURANDS)
        except CallError as exc:
            logger.warning(
                "charger %s did not take the meter value settings (%s): ampshare goes by what "
                "it sends",
                self.charger_id,
                exc,
            )
        try:
            found = await self.device.read_capabilities()
        except CallError as exc:
            logger.warning(
                "charger %s: cannot read its smart charging limits: %s", self.charger_id, exc
            )
        else:
            self._use_capabilities(found.max_stack_level, found.rate_units)
        await self._install_baseline()
        if not self.fail_safe:
            # offers carry no validTo then: count the charger at its last offer while offline
            self.session.port.attach(self.charger_id, self, None)
        await self._install_start()

    def _use_capabilities(self, max_level: int | None, units: frozenset[str] | None) -> None:
        if max_level is not None:
            self.levels = Levels(max_level)
            if not self.levels.can_fall_back:
                logger.error(
                    "charger %s stacks no charging profiles (ChargeProfileMaxStackLevel 0): "
                    "its fallback cannot sit under ampshare's offers",
                    self.charger_id,
                )
        if units and self.rate_unit not in units and units & {"A", "W"}:
            other = "W" if "W" in units else "A"
            logger.warning(
                "charger %s takes limits in %s only: sending %s, not %s",
                self.charger_id,
                other,
                other,
                self.rate_unit,
            )
            self.rate_unit = other

    def _limit(self, current_a: float) -> Limit:
        return Limit.of(current_a, self.rate_unit, self.session.setup.watts_per_amp)

    async def _install_baseline(self) -> None:
        charger = self.session.setup.charger
        spec = profiles.baseline(self._limit(charger.fallback_current_a), _now())
        try:
            await self.device.set_profile(self.session.setup.ocpp.connector_id, spec)
        except CallError as exc:
            # without its baseline a charger that loses ampshare keeps what it was last told
            # (offers then carry no validTo): count it at its last offer until it is back
            self.fail_safe = False
            logger.error(
                "charger %s refused its fail-safe baseline profile (%s): its offers will not "
                "lapse, and while offline it counts at its last offer",
                self.charger_id,
                exc,
            )
            return
        self.fail_safe = self.levels.can_fall_back and self.session.setup.lease_s is not None
        logger.info(
            "charger %s: baseline %.1f %s at stack level 0",
            self.charger_id,
            spec.limit.value,
            spec.limit.unit,
        )

    async def _install_start(self) -> None:
        setup = self.session.setup
        self._start_due_s = math.inf
        if not setup.needs_start_profile or setup.lease_s is None or not self.fail_safe:
            return
        if self.levels.offer_replaces_start and self._default_offer_set:
            return  # the offer holds the start profile's level until the car leaves
        limit = self._limit(setup.charger.effective_start_current_a)
        spec = profiles.start_profile(self.levels, limit, _now(), setup.lease_s)
        try:
            await self.device.set_profile(setup.ocpp.connector_id, spec)
        except CallError as exc:
            logger.warning("charger %s refused its start profile: %s", self.charger_id, exc)
            self._start_due_s = self.session.clock() + self._backoff_first_s
            return
        self._start_due_s = self.session.clock() + setup.lease_refresh_s

    # offers ----------------------------------------------------------------------------------

    async def _send_offer(self, command: Command) -> None:
        session = self.session
        lease_s = command.lease_s if self.fail_safe else None
        spec = profiles.offer(
            self.levels,
            self._limit(command.offer_a),
            _now(),
            lease_s=lease_s,
            transaction_id=session.transaction_id,
            max_offline_duration=self.max_offline_duration,
        )
        try:
            await self.device.set_profile(session.setup.ocpp.connector_id, spec)
        except CallError as exc:
            self._refused(command, exc)
            return
        self._backoff_s = self._backoff_first_s
        resumed = self._offered_a == 0 and command.offer_a > 0
        self._offered_a = command.offer_a
        self._default_offer_set |= spec.purpose == "TxDefaultProfile"
        if (
            resumed
            and session.setup.ocpp.resume_with_remote_start
            and session.car is not CarState.NONE
        ):
            await self._remote_start()

    def _refused(self, command: Command, exc: Exception) -> None:
        logger.warning(
            "charger %s refused an offer of %.1f A (%s): trying again in %.0f s",
            self.charger_id,
            command.offer_a,
            exc,
            self._backoff_s,
        )
        self._hold_until_s = self.session.clock() + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, _BACKOFF_MAX_S)
        if self._latest is None:
            self._latest = command
        self._offered_a = None
        self.session.port.offer_refused(self.charger_id, command.offer_a)

    async def _remote_start(self) -> None:
        """The resume quirk: a charger that ended its transaction at 0 A needs a new one."""
        session = self.session
        if session.transaction_id is not None:
            return
        try:
            await self.device.remote_start(session.setup.ocpp.connector_id)
        except CallError as exc:
            logger.warning("charger %s refused a remote start: %s", self.charger_id, exc)
        else:
            logger.info("charger %s: resumed with a remote start", self.charger_id)

    async def _session_ended(self) -> None:
        """The car left: an offer left as a default profile must not greet the next car."""
        self._offered_a = None
        if not self._default_offer_set:
            return
        try:
            await self.device.clear_profile(profiles.OFFER_DEFAULT_ID)
        except CallError as exc:
            logger.warning("charger %s: cannot clear its last offer: %s", self.charger_id, exc)
            return
        self._default_offer_set = False
        if self.levels.max_level < 2:
            await self._install_baseline()
            await self._install_start()

    async def clear_ampshare_profiles(self) -> None:
        """For a retired charger: remove every profile ampshare may have installed."""
        for profile_id in profiles.AMPSHARE_PROFILE_IDS:
            try:
                await self.device.clear_profile(profile_id)
            except CallError as exc:
                logger.warning(
                    "retired charger %s: cannot clear profile %d: %s",
                    self.charger_id,
                    profile_id,
                    exc,
                )


def _now() -> datetime:
    return datetime.now(UTC)
