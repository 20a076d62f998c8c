"""How a site file says ampshare reaches each device: protocols and their tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampshare.config import ConfigError, load_installation
from tests.config.helpers import SEED_TOML, write

OCPP_CHARGERS = SEED_TOML.replace(
    "max_current_a = 40\n", 'max_current_a = 40\nprotocol = "ocpp1.6"\n'
)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_installation(write(tmp_path, "site.toml", text))
    return caught.value.lines()


def test_ocpp_chargers_and_the_ocpp_table_are_read(tmp_path: Path) -> None:
    text = OCPP_CHARGERS + "\n[ocpp]\nport = 9100\n"
    installation = load_installation(write(tmp_path, "site.toml", text))
    assert installation.ocpp is not None and installation.ocpp.port == 9100
    assert [c.id for c in installation.chargers_on("ocpp1.6")] == ["left", "right"]
    assert installation.mqtt is None


def test_an_openevse_charger_needs_its_base_topic_and_a_broker(tmp_path: Path) -> None:
    no_topic = SEED_TOML + 'protocol = "openevse"\n'
    assert any("base_topic" in line for line in _problems(tmp_path, no_topic))
    no_broker = no_topic + '[chargers.openevse]\nbase_topic = "openevse-1a2b"\n'
    lines = _problems(tmp_path, no_broker)
    assert any("charger 'right'" in line and "[mqtt]" in line for line in lines)


def test_a_device_table_for_another_protocol_is_refused(tmp_path: Path) -> None:
    text = SEED_TOML + "[chargers.ocpp]\nconnector_id = 1\n"
    lines = _problems(tmp_path, text)
    assert any("charger 'right'" in line and 'protocol = "ocpp1.6"' in line for line in lines)


def test_a_misspelt_protocol_lists_the_protocols_ampshare_speaks(tmp_path: Path) -> None:
    text = SEED_TOML.replace("max_current_a = 40\n", 'max_current_a = 40\nprotocol = "ocpp16"\n', 1)
    lines = _problems(tmp_path, text)
    assert any("protocol" in line and "ocpp1.6" in line for line in lines), lines


def test_auto_registration_must_name_a_circuit(tmp_path: Path) -> None:
    text = OCPP_CHARGERS + '\n[ocpp]\nauto_register_circuit = "garag"\n'
    lines = _problems(tmp_path, text)
    assert any("[ocpp]" in line and "did you mean 'garage'" in line for line in lines), lines
