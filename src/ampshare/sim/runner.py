"""A site in simulated time: simulated chargers, cars and meters around the real control loop.

Every step moves the devices to the new time, measures the true load on every circuit
conductor (what a clamp meter would read), delivers the readings that are due to the loop and
the loop's commands to the chargers. While "ampshare is down" nothing reaches the loop and no
command reaches a charger: the chargers fall back by themselves when their leases lapse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial

from ampshare.control.loop import ControlLoop
from ampshare.control.readings import Command
from ampshare.control.settings import LoopSettings
from ampshare.domain import Site
from ampshare.domain.network import ConstraintKind, compile_network
from ampshare.sim.car import Car
from ampshare.sim.controller import Controller
from ampshare.sim.evse import SimCharger
from ampshare.sim.household import HouseholdProfile, SimMeter
from ampshare.sim.recorder import ConductorRecord, Recorder


class SiteSimulation:
    def __init__(
        self,
        site: Site,
        settings: LoopSettings | None = None,
        *,
        households: Mapping[str, HouseholdProfile] | None = None,
        reading_interval_s: float = 5.0,
        idle_reading_interval_s: float = 30.0,
        meter_period_s: float = 1.0,
        follow_delay_s: float = 2.0,
        car_response_s: float = 5.0,
        controller: Controller | None = None,
        trace_period_s: float | None = None,
    ) -> None:
        """controller: what decides the offers; ampshare's own control loop by default."""
        self.site = site
        self.controller: Controller = controller or ControlLoop(site, settings)
        self.network = compile_network(site)
        self.households = dict(households or {})
        self.reading_interval_s = reading_interval_s
        # without a car a charger only says it is alive (an OCPP heartbeat); it reports a car
        # arriving or leaving at once (a StatusNotification)
        self.idle_reading_interval_s = idle_reading_interval_s
        # the households on each circuit or anywhere below it: a circuit carries them all
        self._households_under: dict[str, list[HouseholdProfile]] = {
            c.id: [] for c in site.circuits
        }
        for circuit_id, profile in self.households.items():
            for ancestor in site.ancestors(circuit_id):
                self._households_under[ancestor.id].append(profile)
        self.chargers = {
            c.id: SimCharger(
                c.id,
                max_current_a=c.max_current_a,
                start_current_a=c.effective_start_current_a,
                fallback_current_a=c.fallback_current_a,
                voltage_v=site.watts_per_amp(c),
                follow_delay_s=follow_delay_s,
                car_response_s=car_response_s,
            )
            for c in site.chargers
        }
        # in network order (the site's, as self.chargers)
        self._network_chargers = [self.chargers[cid] for cid in self.network.charger_ids]
        self._index = {cid: i for i, cid in enumerate(self.network.charger_ids)}
        self._occupied: set[int] = set()  # network indices of the chargers with a car
        self.meters = {
            m.id: SimMeter(
                m.id,
                meter_period_s,
                sources=partial(self.circuit_current_a, m.circuit),
                voltage_v=site.voltage_v,
            )
            for m in site.meters
        }
        self.recorder = Recorder(site, self.network, trace_period_s)
        self.now_s = 0.0
        self.steps = 0
        self._household_change_s = self._next_household_change_s()
        self.ampshare_up = True
        self.commands: list[tuple[float, Command]] = []
        self._next_reading_s = {cid: 0.0 for cid in self.chargers}
        # every charger says hello before the first car arrives, as when ampshare has been
        # running a while (a charger never heard from counts at its full rating)
        for charger_id, charger in self.chargers.items():
            self.controller.charger_reading(charger_id, charger.reading(0.0), 0.0)

    @property
    def records(self) -> list[ConductorRecord]:
        return self.recorder.conductors

    @property
    def loop(self) -> ControlLoop:
        """ampshare's control loop, when it is what this simulation drives."""
        if not isinstance(self.controller, ControlLoop):
            raise TypeError(f"this simulation drives {type(self.controller).__name__}")
        return self.controller

    # the scenario's hands -------------------------------------------------------------------

    def plug_in(
        self,
        charger_id: str,
        car: Car,
        departure_s: float | None = None,
        energy_wanted_wh: float | None = None,
    ) -> None:
        self.chargers[charger_id].plug_in(car, self.now_s, departure_s, energy_wanted_wh)
        self._occupied.add(self._index[charger_id])
        self._report(charger_id)

    def unplug(self, charger_id: str) -> None:
        self.chargers[charger_id].unplug(self.now_s)
        self._occupied.discard(self._index[charger_id])
        self._report(charger_id)

    def run_until(self, end_s: float, step_s: float | None = None) -> None:
        """Move to end_s: in steps of step_s, or (None) from one moment to the next at which
        anything can happen — a reading or sample falls due, a charger or car acts, an appliance
        starts or stops, or the controller has something to decide. Between those moments
        nothing changes but the cars' batteries, which are integrated exactly."""
        while self.now_s < end_s - 1e-9:
            next_s = self.now_s + step_s if step_s is not None else self._next_moment_s()
            self.step(min(next_s, end_s) - self.now_s)

    def _next_moment_s(self) -> float:
        now_s = self.now_s
        moments = [self._household_change_s]
        moments += [
            event_s
            for charger in self._network_chargers
            if (event_s := charger.next_event_s()) is not None
        ]
        if self.ampshare_up:
            moments.append(self._next_listened_reading_s())
            moments += [meter.next_due_s for meter in self.meters.values()]
            next_tick = getattr(self.controller, "next_tick_s", None)
            moments.append(next_tick(now_s) if next_tick is not None else now_s + 1.0)
        else:
            moments.append(now_s + 1.0)  # the records' resolution while nothing listens
        return min((t for t in moments if t > now_s + 1e-9), default=now_s + 1.0)

    def _next_listened_reading_s(self) -> float:
        """When the next reading falls due from a charger that ampshare hears."""
        if all(charger.connected_to_ampshare for charger in self._network_chargers):
            return min(self._next_reading_s.values())
        return min(
            (
                self._next_reading_s[charger_id]
                for charger_id, charger in self.chargers.items()
                if charger.connected_to_ampshare
            ),
            default=math.inf,
        )

    # one step -------------------------------------------------------------------------------

    def step(self, dt_s: float) -> None:
        self.steps += 1
        # what held since the last step: draws change only at device events, which are step
        # boundaries, or fall (a tapering or filling car), so this never under-counts a load
        self._record(dt_s)
        now_s = self.now_s + dt_s
        for charger in self._network_chargers:
            if not charger.idle:
                charger.advance(now_s)
        self.now_s = now_s
        if self._household_change_s <= now_s:
            self._household_change_s = self._next_household_change_s()
        if not self.ampshare_up:
            return
        commands: list[Command] = []
        if min(self._next_reading_s.values()) <= now_s + 1e-9:
            for charger_id, charger in self.chargers.items():
                if (
                    charger.connected_to_ampshare
                    and now_s >= self._next_reading_s[charger_id] - 1e-9
                ):
                    commands += self._reading(charger_id)
        for meter_id, meter in self.meters.items():
            sample = meter.sample(now_s)
            if sample is not None:
                commands += self.controller.meter_sample(meter_id, sample, now_s)
        commands += self.controller.tick(now_s)
        self.deliver(commands)

    def _reading(self, charger_id: str) -> list[Command]:
        charger = self.chargers[charger_id]
        interval_s = self.reading_interval_s if charger.car else self.idle_reading_interval_s
        self._next_reading_s[charger_id] = self.now_s + interval_s
        return self.controller.charger_reading(charger_id, charger.reading(self.now_s), self.now_s)

    def _report(self, charger_id: str) -> None:
        """A charger tells of a car arriving or leaving at once, when anyone listens."""
        if self.ampshare_up and self.chargers[charger_id].connected_to_ampshare:
            self.deliver(self._reading(charger_id))

    def _next_household_change_s(self) -> float:
        now_s = self.now_s
        return min((p.next_change_s(now_s) for p in self.households.values()), default=math.inf)

    def deliver(self, commands: list[Command]) -> None:
        """Send the controller's commands to the chargers (those that are listening)."""
        for command in commands:
            self.commands.append((self.now_s, command))
            self.chargers[command.charger_id].command(command.offer_a, command.lease_s, self.now_s)

    # what a clamp meter would read ------------------------------------------------------------

    def circuit_current_a(self, circuit_id: str, now_s: float) -> float:
        """The highest line current on a circuit: its chargers and its households (on the
        secondary side: where a clamp meter sits)."""
        network = self.network
        draws = [self.chargers[cid].drawing_a for cid in network.charger_ids]
        other_a = self._household_a(circuit_id, now_s)
        return max(
            abs(sum((c * draws[i] for i, c in zip(k.members, k.coeffs, strict=True)), 0j)) + other_a
            for k in network.constraints
            if k.circuit_id == circuit_id and k.kind is ConstraintKind.CURRENT and not k.is_primary
        )

    def _household_a(self, circuit_id: str, now_s: float) -> float:
        return sum(profile.current_a(now_s) for profile in self._households_under[circuit_id])

    def _record(self, dt_s: float) -> None:
        chargers = self._network_chargers
        household_a = {
            circuit_id: self._household_a(circuit_id, self.now_s)
            for circuit_id, profiles in self._households_under.items()
            if profiles
        }
        draws_a = [0.0] * len(chargers)  # only a charger with a car draws
        for i in self._occupied:
            draws_a[i] = chargers[i].drawing_a
        self.recorder.record(
            self.now_s,
            dt_s,
            draws_a,
            lambda: [c.pilot_a for c in chargers],
            household_a,
        )
