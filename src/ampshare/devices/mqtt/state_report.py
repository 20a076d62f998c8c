"""ampshare's state as the JSON documents it publishes, one per topic (pure: no MQTT here).

<prefix>/circuit/<id>/state  the allocation report of the circuit (config/report.py: limit_a,
                             load_a, other_load_a, ev_budget_a, meter freshness, overloaded)
<prefix>/charger/<id>/state  the allocation report of the charger (offered_a, limited_by,
                             reason, paused) with its car, what it was sent, draws and delivered
<prefix>/meter/<id>/state    whether the meter is fresh, and what it read
<prefix>/state               the site: when, and the payloads ampshare ignored, by topic
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ampshare.config.report import allocation_to_dict, amps
from ampshare.control.loop import ControlLoop
from ampshare.domain import CarState

# extra fields a device adapter adds to its charger's document (the dead-man switch, ...)
ChargerExtras = Callable[[str], dict[str, Any]]


def state_documents(
    loop: ControlLoop,
    prefix: str,
    now_s: float,
    rejected: Mapping[str, Any],
    extras: ChargerExtras,
) -> dict[str, dict[str, Any]]:
    """topic -> document, for everything the loop knows now."""
    documents: dict[str, dict[str, Any]] = {}
    site = loop.site
    allocation = loop.last_allocation
    state = loop.last_state
    report = allocation_to_dict(site, allocation) if allocation is not None else None
    for circuit in site.circuits:
        document = dict(report["circuits"][circuit.id]) if report else {"meter": "unknown"}
        documents[f"{prefix}/circuit/{circuit.id}/state"] = document
    timeout_s = loop.settings.charger_timeout_s
    for charger in site.chargers:
        track = loop.chargers[charger.id]
        known = state.chargers.get(charger.id) if state else None
        reading = track.reading
        document = dict(report["chargers"][charger.id]) if report else {}
        document.update(
            car=(known.car if known else CarState.OFFLINE).value,
            online=track.online(now_s, timeout_s),
            sent_a=_rounded(track.latest_offer_a),
            measured_a=_rounded(reading.measured_a if reading else None),
            energy_wh=None
            if reading is None or reading.energy_wh is None
            else round(reading.energy_wh),
            priority=charger.priority,
        )
        document.update(extras(charger.id))
        documents[f"{prefix}/charger/{charger.id}/state"] = document
    meter_timeout_s = loop.settings.meter_timeout_s
    for meter_id, meter in loop.meters.items():
        sample = meter.sample
        fresh = meter.fresh(now_s, meter_timeout_s)
        documents[f"{prefix}/meter/{meter_id}/state"] = {
            "fresh": fresh,
            "current_a": None
            if sample is None or sample.current_a is None
            else [amps(value) for value in sample.current_a],
            "power_w": None if sample is None or sample.power_w is None else round(sample.power_w),
            "age_s": None if meter.last_seen_s is None else round(now_s - meter.last_seen_s, 1),
        }
    documents[f"{prefix}/state"] = {
        "site": site.name,
        "updated_at": datetime.fromtimestamp(now_s, UTC).isoformat(timespec="seconds"),
        "rejected_payloads": dict(rejected),
    }
    return documents


def _rounded(value_a: float | None) -> float | None:
    return None if value_a is None else amps(value_a)
