"""The site as the allocation sees it now, made from what the loop remembers of each device."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

from ampshare.control.leases import Leases
from ampshare.control.readings import ChargerReading
from ampshare.control.settings import LoopSettings
from ampshare.control.tracks import ChargerTrack, MeterTrack
from ampshare.domain import CarState, ChargerState, MeterReading, SiteState

_NO_CAR = ChargerState(CarState.NONE)  # frozen: one for every empty charger


def allocated_draw_a(track: ChargerTrack, metered: Collection[str]) -> float | None:
    """What a charger draws, as allocations go by it: in steps (tracks.DEADBAND_A), except
    under a meter, where the other load is the meter less the chargers' exact draws."""
    reading = track.reading
    if reading is None:
        return None
    return reading.measured_a if track.charger.id in metered else track.judged_a


def site_state(
    chargers: Mapping[str, ChargerTrack],
    meters: Mapping[str, MeterTrack],
    online: Collection[str],
    now_s: float,
    settings: LoopSettings,
    *,
    metered: Collection[str],
    operator_paused: Collection[str],
    leases: Leases,
) -> SiteState:
    states = {}
    for charger_id, track in chargers.items():
        if charger_id not in online:
            states[charger_id] = ChargerState(
                CarState.OFFLINE,
                offered_a=track.worst_case_a(),
                offer_in_force=leases.may_hold(track, now_s),
            )
        elif (reading := track.reading) is None or reading.car is CarState.NONE:
            states[charger_id] = _NO_CAR
        else:
            states[charger_id] = _car_state(
                track,
                reading,
                now_s,
                settings,
                measured_a=allocated_draw_a(track, metered),
                operator_paused=charger_id in operator_paused,
            )
    readings = {}
    for meter_id, meter in meters.items():
        sample = meter.sample
        if sample is None or not meter.fresh(now_s, settings.meter_timeout_s):
            readings[meter_id] = MeterReading(stale=True)
        else:
            readings[meter_id] = MeterReading(sample.current_a, sample.power_w)
    return SiteState(states, readings)


def _car_state(
    track: ChargerTrack,
    reading: ChargerReading,
    now_s: float,
    settings: LoopSettings,
    *,
    measured_a: float | None,
    operator_paused: bool,
) -> ChargerState:
    held = (
        track.paused_s is not None
        and track.latest_offer_a == 0
        and now_s - track.paused_s < settings.min_pause_s
    )
    car = reading.car
    if track.stopped and car is CarState.CONNECTED:
        car = CarState.SUSPENDED  # paused after it stopped: it is not waiting to start
    fixed_draw_a = reading.measured_a if track.overdrawing else None
    # a car is judged on what it draws only once it had time to follow its offer
    offered_a = track.settled_offer_a(now_s, settings.confirmation_timeout_s)
    if track.refused_a is not None:
        # it refused its offer: it may draw its rating; it is offered the same again
        fixed_draw_a, offered_a = track.charger.max_current_a, track.refused_a
    return ChargerState(
        car,
        measured_a=measured_a,
        offered_a=offered_a,
        ev_max_a=reading.ev_max_a,
        plugged_in_at=track.plugged_in_at,
        hold_paused=held,
        operator_paused=operator_paused,
        fixed_draw_a=fixed_draw_a,
    )


def with_planned(state: SiteState, planned: Mapping[str, float]) -> SiteState:
    return _with_each(state, planned, lambda charger, a: replace(charger, planned_a=a))


def with_held(state: SiteState, held: Mapping[str, float]) -> SiteState:
    return _with_each(state, held, lambda charger, a: replace(charger, held_a=a))


def _with_each(
    state: SiteState,
    values: Mapping[str, float],
    change: Callable[[ChargerState, float], ChargerState],
) -> SiteState:
    """The state with some chargers' states changed, each by its value."""
    chargers = dict(state.chargers)
    for charger_id, value in values.items():
        chargers[charger_id] = change(chargers[charger_id], value)
    return replace(state, chargers=chargers)
