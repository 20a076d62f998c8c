"""A broker for simulations, tests and benchmarks: the one that answers at 127.0.0.1:1883, or
one started here on a free port: the mosquitto binary if installed, else the embedded Python
broker amqtt, installed on first use into a virtual environment of its own (amqtt 0.12.1 pins
a websockets older than the one ampshare's OCPP side needs, so the two cannot share one)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

AMQTT_REQUIREMENT = "amqtt==0.12.1"
# a simulated device gives up on an MQTT operation after this long, its goodbye included, so it
# stops within seconds, as a real one does (aiomqtt waits 10 s for a broker's answer by default;
# a goodbye that times out must not hide the cancellation: see connection.stop_if_cancelled)
DEVICE_MQTT_TIMEOUT_S = 5.0
_START_TIMEOUT_S = 20.0
# a minimal MQTT 3.1.1 CONNECT (client id "probe", clean session, keepalive 5 s)
_CONNECT = bytes([0x10, 17, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 5, 0, 5]) + b"probe"
_CONNACK_ACCEPTED = bytes([0x20, 2, 0, 0])


class BrokerUnavailableError(RuntimeError):
    """No broker answers and none could be started here."""


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int


def answers(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """True if an MQTT broker accepts a connection there."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            sock.sendall(_CONNECT)
            return sock.recv(4) == _CONNACK_ACCEPTED
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mosquitto_binary() -> str | None:
    found = shutil.which("mosquitto")
    if found is None and Path("/usr/sbin/mosquitto").exists():
        found = "/usr/sbin/mosquitto"
    return found


class LocalBroker:
    """A broker process on 127.0.0.1:<port> that can be stopped and started again (on the same
    port, with nothing retained: neither is started with persistence)."""

    def __init__(self, work_dir: Path, port: int | None = None) -> None:
        self.work_dir = work_dir
        self.address = BrokerAddress("127.0.0.1", port or free_port())
        # AMPSHARE_LOCAL_BROKER=amqtt tries the embedded broker where mosquitto is installed
        chosen = os.environ.get("AMPSHARE_LOCAL_BROKER")
        self.kind = chosen or ("mosquitto" if mosquitto_binary() else "amqtt")
        self._process: subprocess.Popen[bytes] | None = None
        self._log = work_dir / f"broker-{self.address.port}.log"

    def start(self) -> None:
        command = self._mosquitto() if self.kind == "mosquitto" else self._amqtt()
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not answers(self.address.host, self.address.port, 0.5):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise BrokerUnavailableError(
                    f"{self.kind} did not start on port {self.address.port}: see {self._log}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def _mosquitto(self) -> list[str]:
        config = self.work_dir / f"mosquitto-{self.address.port}.conf"
        config.write_text(
            f"listener {self.address.port} 127.0.0.1\n"
            "allow_anonymous true\npersistence false\nlog_type error\n",
            encoding="utf-8",
        )
        binary = mosquitto_binary()
        assert binary is not None
        return [binary, "-c", str(config)]

    def _amqtt(self) -> list[str]:
        config = self.work_dir / f"amqtt-{self.address.port}.yaml"
        config.write_text(
            "listeners:\n  default:\n    type: tcp\n"
            f"    bind: 127.0.0.1:{self.address.port}\n"
            "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n"
            "    allow_anonymous: true\n",
            encoding="utf-8",
        )
        return [str(amqtt_environment() / "bin" / "amqtt"), "-c", str(config)]


def amqtt_environment() -> Path:
    """The virtual environment with amqtt, made next to this interpreter's on first use."""
    home = Path(sys.prefix) / "amqtt-broker"
    marker = home / f".{AMQTT_REQUIREMENT}"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
        subprocess.run(
            [str(home / "bin" / "pip"), "install", "--quiet", AMQTT_REQUIREMENT], check=True
        )
        marker.touch()
    return home


@contextlib.contextmanager
def running_broker(port: int | None = None) -> Iterator[LocalBroker]:
    """A LocalBroker for the time of a with block."""
    with tempfile.TemporaryDirectory(prefix="ampshare-broker-") as work:
        broker = LocalBroker(Path(work), port)
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()
