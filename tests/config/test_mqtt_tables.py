"""`ampshare check` on the MQTT device tables: what each needs, and what they ask of the site."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampshare.config import ConfigError, load_installation
from tests.config.helpers import write

HOME = """
[site]
name = "home"
voltage_v = 240

[[circuits]]
id = "service"
breaker_a = 50

[[chargers]]
id = "left"
circuit = "service"
max_current_a = 40
fallback_current_a = 0
protocol = "openevse"
[chargers.openevse]
base_topic = "openevse-1a2b"

[[meters]]
id = "house"
circuit = "service"
protocol = "shelly"
[meters.shelly]
device = "shellyem-B164B8"

[mqtt]
host = "broker.local"
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_installation(write(tmp_path, "site.toml", text))
    return caught.value.lines()


def test_a_home_with_an_openevse_unit_and_a_shelly_is_read_with_its_defaults(
    tmp_path: Path,
) -> None:
    installation = load_installation(write(tmp_path, "site.toml", HOME))
    table = installation.chargers["left"].openevse
    assert table is not None
    assert table.announce() == "openevse/announce/1a2b"
    assert table.live_power("ampshare", "left") == "ampshare/charger/left/live_pwr"
    assert installation.mqtt is not None and installation.mqtt.prefix == "ampshare"


def test_an_openevse_unit_must_fall_back_to_zero(tmp_path: Path) -> None:
    lines = _problems(tmp_path, HOME.replace("fallback_current_a = 0\n", ""))
    assert any(
        "charger 'left' (chargers[0])" in line
        and "fallback_current_a is 6 A" in line
        and "set fallback_current_a = 0" in line
        for line in lines
    ), lines


def test_a_custom_base_topic_needs_the_announce_topic(tmp_path: Path) -> None:
    lines = _problems(tmp_path, HOME.replace('"openevse-1a2b"', '"garage/evse"'))
    assert any("announce_topic" in line and "garage/evse" in line for line in lines), lines
    fixed = HOME.replace(
        'base_topic = "openevse-1a2b"',
        'base_topic = "garage/evse"\nannounce_topic = "openevse/announce/1a2b"',
    )
    load_installation(write(tmp_path, "site.toml", fixed))


def test_two_units_cannot_share_a_base_topic(tmp_path: Path) -> None:
    second = """
[[chargers]]
id = "right"
circuit = "service"
max_current_a = 40
fallback_current_a = 0
start_current_a = 0
protocol = "openevse"
[chargers.openevse]
base_topic = "openevse-1a2b"
"""
    text = HOME.replace("[[meters]]", second + "\n[[meters]]")
    lines = _problems(tmp_path, text)
    assert any("charger 'right'" in line and "also charger 'left'" in line for line in lines)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('base_topic = "openevse-1a2b"', 'base_topic = "openevse/#"'), "wildcards"),
        (('host = "broker.local"', 'host = "b"\nprefix = "amp/"'), "empty level"),
        (('host = "broker.local"', 'host = "b"\npassword = "x"'), "username"),
        (('host = "broker.local"', 'host = "b"\nca_file = "ca.pem"'), "tls = true"),
        (('device = "shellyem-B164B8"', 'device = "x"\nphases = ["a"]'), "channels"),
        (('device = "shellyem-B164B8"', 'device = "x"\nchannels = [0, 0]'), "once"),
    ],
)
def test_tables_refuse_what_cannot_work(
    tmp_path: Path, change: tuple[str, str], words: str
) -> None:
    lines = _problems(tmp_path, HOME.replace(*change))
    assert any(words in line for line in lines), lines


def test_a_gen1_shelly_cannot_meter_a_three_phase_circuit(tmp_path: Path) -> None:
    text = HOME.replace("breaker_a = 50\n", "breaker_a = 50\nphases = 3\n").replace(
        "max_current_a = 40\n", 'max_current_a = 40\nconnection = "L1-L2"\n'
    )
    lines = _problems(tmp_path, text)
    assert any("meter 'house' (meters[0])" in line and "Pro 3EM" in line for line in lines)


def test_a_pro_3em_on_a_three_phase_circuit_reads_each_phase_once(tmp_path: Path) -> None:
    text = (
        HOME.replace("breaker_a = 50\n", "breaker_a = 50\nphases = 3\n")
        .replace("max_current_a = 40\n", 'max_current_a = 40\nconnection = "L1-L2"\n')
        .replace(
            'device = "shellyem-B164B8"', 'generation = 2\ndevice = "pro3em"\nphases = ["a", "b"]'
        )
    )
    lines = _problems(tmp_path, text)
    assert any("'a', 'b' and 'c'" in line for line in lines), lines
