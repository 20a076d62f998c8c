"""Home Assistant MQTT discovery: each charger and circuit appears as a device with sensors
read from ampshare's state topics; a charger also gets a "Paused" switch and a "Priority"
number that publish on its set topic. Retained under <discovery prefix>/<component>/<node>/
<object>/config, all available while <prefix>/status is "online"."""

from __future__ import annotations

import json
import re
from typing import Any

from ampshare.devices.mqtt.commands import set_topic
from ampshare.devices.mqtt.outbox import Outgoing
from ampshare.devices.mqtt.state_publisher import OFFLINE, ONLINE, status_topic
from ampshare.domain import Site

_CHARGER_SENSORS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("offered_a", "Offered current", {"unit_of_measurement": "A", "device_class": "current"}),
    ("sent_a", "Current sent", {"unit_of_measurement": "A", "device_class": "current"}),
    ("measured_a", "Measured current", {"unit_of_measurement": "A", "device_class": "current"}),
    (
        "energy_wh",
        "Session energy",
        {"unit_of_measurement": "Wh", "device_class": "energy", "state_class": "total_increasing"},
    ),
    ("car", "Car", {}),
    ("limited_by", "Limited by", {}),
    ("reason", "Reason", {}),
)
_CIRCUIT_SENSORS: tuple[tuple[str, str], ...] = (
    ("limit_a", "Limit"),
    ("load_a", "Load"),
    ("other_load_a", "Other load"),
    ("ev_budget_a", "EV budget"),
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _device(node: str, kind: str, entry_id: str, model: str) -> dict[str, Any]:
    return {
        "identifiers": [f"{node}_{kind}_{entry_id}"],
        "name": f"{kind.capitalize()} {entry_id}",
        "manufacturer": "ampshare",
        "model": model,
    }


def discovery_messages(site: Site, prefix: str, discovery_prefix: str) -> list[Outgoing]:
    node = f"ampshare_{_slug(prefix)}"
    availability = {
        "availability_topic": status_topic(prefix),
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
    }
    messages = []

    def entity(component: str, object_id: str, config: dict[str, Any]) -> None:
        config = {**config, **availability, "unique_id": f"{node}_{object_id}"}
        topic = f"{discovery_prefix}/{component}/{node}/{object_id}/config"
        messages.append(Outgoing(topic, json.dumps(config), qos=1, retain=True))

    for charger in site.chargers:
        state = f"{prefix}/charger/{charger.id}/state"
        model = f"{charger.max_current_a:g} A charger on {charger.circuit}"
        device = _device(node, "charger", charger.id, model)
        base = {"state_topic": state, "device": device}
        for key, name, extra in _CHARGER_SENSORS:
            config = {
                **base,
                **extra,
                "name": name,
                "value_template": f"{{{{ value_json.{key} }}}}",
            }
            if extra.get("device_class") == "current":
                config["state_class"] = "measurement"
            entity("sensor", f"charger_{_slug(charger.id)}_{key}", config)
        command = set_topic(prefix, charger.id)
        entity(
            "switch",
            f"charger_{_slug(charger.id)}_paused",
            {
                **base,
                "name": "Paused",
                "command_topic": command,
                "payload_on": json.dumps({"paused": True}),
                "payload_off": json.dumps({"paused": False}),
                "value_template": "{{ 'ON' if 'operator' in value_json.paused_by else 'OFF' }}",
                "state_on": "ON",
                "state_off": "OFF",
            },
        )
        entity(
            "number",
            f"charger_{_slug(charger.id)}_priority",
            {
                **base,
                "name": "Priority",
                "command_topic": command,
                "command_template": '{"priority": {{ value | int }}}',
                "value_template": "{{ value_json.priority }}",
                "min": -100,
                "max": 100,
                "step": 1,
                "mode": "box",
            },
        )
    for circuit in site.circuits:
        state = f"{prefix}/circuit/{circuit.id}/state"
        device = _device(node, "circuit", circuit.id, f"{circuit.breaker_a:g} A breaker")
        for key, name in _CIRCUIT_SENSORS:
            entity(
                "sensor",
                f"circuit_{_slug(circuit.id)}_{key}",
                {
                    "state_topic": state,
                    "device": device,
                    "name": name,
                    "unit_of_measurement": "A",
                    "device_class": "current",
                    "state_class": "measurement",
                    "value_template": f"{{{{ value_json.{key} }}}}",
                },
            )
        entity(
            "sensor",
            f"circuit_{_slug(circuit.id)}_meter",
            {
                "state_topic": state,
                "device": device,
                "name": "Meter",
                "value_template": "{{ value_json.meter }}",
            },
        )
    return messages
