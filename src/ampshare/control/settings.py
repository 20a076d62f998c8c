"""How the control loop treats cars, chargers and meters in time."""

from __future__ import annotations

from dataclasses import dataclass, field

from ampshare.control.schedule import ScheduleSettings


@dataclass(frozen=True)
class LoopSettings:
    tick_s: float = 1.0  # re-allocate at least this often
    # a cut counts as done once the charger confirms it, the car draws no more than the new
    # offer (for chargers that do not report their offer), or this long after it was sent:
    # a car follows a pilot cut within ~5 s
    confirmation_timeout_s: float = 10.0
    # IEC 61851 gives a car 5 s to follow a pilot cut: after the charger reports the new pilot,
    # the cut counts as done once the car draws no more, or this long after the report
    car_follow_s: float = 6.0
    min_change_interval_s: float = 5.0  # a charger's offer changes at most this often...
    min_change_a: float = 1.0  # ...and not by less than this, except for cuts safety needs
    min_pause_s: float = 300.0  # a paused car stays paused this long: some cars break on cycling
    meter_timeout_s: float = 30.0  # a meter silent this long is stale: never read as zero
    charger_timeout_s: float = 60.0  # a charger silent this long is offline
    # offers carry a lease: a charger that hears nothing from ampshare for this long drops to
    # its fallback by itself. None for chargers whose offers never lapse.
    lease_s: float | None = 120.0
    lease_refresh_s: float = 45.0  # re-send an unchanged offer this often to keep its lease
    # a charger drawing more than its offer this long is reported: longer than a car takes to
    # follow a cut (pilot delay + 5 s) plus a 10 s reading interval (OCPP MeterValues)
    overdraw_grace_s: float = 25.0
    overdraw_tolerance_a: float = 1.0
    meter_jump_a: float = 5.0  # a meter change this large re-allocates at once
    # in the server a burst of events (cars arriving at a hundred chargers, a network blip
    # dropping them all) is decided together when allocating is slow (see runtime.site_runtime):
    # an event waits at most this long for its decision (a car takes seconds to follow a cut)
    event_spacing_s: float = 0.1
    # cars whose drivers said when they leave or what they want are scheduled by it (None:
    # every car shares fairly, needs or not); the plan is made again this often meanwhile
    schedule: ScheduleSettings | None = field(default_factory=ScheduleSettings)
    replan_s: float = 900.0
