"""A real MQTT broker for the MQTT tests.

`broker`: the machine's broker at 127.0.0.1:1883 when it answers (tests keep apart by unique
topic prefixes and clear what they retained), else one started for the session: mosquitto if
installed, else amqtt. `own_broker`: a broker this one test starts, stops and starts again.
Under CI (CI=true) a test never skips for want of a broker: it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ampshare.sim.mqtt.broker import BrokerAddress, BrokerUnavailableError, LocalBroker, answers

SHARED = BrokerAddress("127.0.0.1", 1883)


def _unavailable(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"no MQTT broker for the MQTT tests under CI: {why}")
    pytest.skip(f"no MQTT broker: {why}")


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerAddress]:
    # AMPSHARE_LOCAL_BROKER (mosquitto or amqtt) starts one even where the machine has one
    if not os.environ.get("AMPSHARE_LOCAL_BROKER") and answers(SHARED.host, SHARED.port):
        yield SHARED
        return
    local = LocalBroker(tmp_path_factory.mktemp("broker"))
    try:
        local.start()
    except (BrokerUnavailableError, OSError) as exc:
        _unavailable(str(exc))
    try:
        yield local.address
    finally:
        local.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    local = LocalBroker(tmp_path)
    try:
        local.start()
    except (BrokerUnavailableError, OSError) as exc:
        _unavailable(str(exc))
    try:
        yield local
    finally:
        local.stop()
