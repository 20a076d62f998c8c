"""Security profiles 1 (basic auth) and 2 (basic auth over TLS), unknown ids, auto-registration
and retired chargers, over real websockets."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ampshare.config import Installation, load_installation
from ampshare.devices.ocpp import profiles
from ampshare.devices.ocpp.passwords import hash_password
from ampshare.sim.ocpp import SimulatedChargePoint
from tests.devices.ocpp.harness import PROTOCOLS, eventually, group_site, serving

PASSWORD = "left-secret-0123456789"
# few iterations: the format carries them, and the tests stay fast
HASH = hash_password(PASSWORD, iterations=1000)
OTHER_HASH = hash_password("right-secret-0123456789", iterations=1000)


def _secured(tmp_path: Path, protocol: str, profile: int = 1, ocpp: str = "") -> Installation:
    return group_site(
        tmp_path,
        protocol,
        ocpp=f"security_profile = {profile}\n{ocpp}",
        left_ocpp=f'[chargers.ocpp]\npassword_hash = "{HASH}"',
        right_ocpp=f'[chargers.ocpp]\npassword_hash = "{OTHER_HASH}"',
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_wrong_password_is_refused_and_learns_nothing(
    tmp_path: Path, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(_secured(tmp_path, protocol)) as harness:
        for password in ("not-the-password-at-all", None):
            sim = SimulatedChargePoint(harness.url, "left", protocol, password=password)
            with pytest.raises(InvalidStatus) as refused:
                await sim.connect()
            response = refused.value.response
            assert response.status_code == 401
            assert b"Sunny" not in response.body and b"group" not in response.body
        # another charger's password, and an unknown id, get the very same answer
        for charger_id in ("right", "nobody"):
            sim = SimulatedChargePoint(harness.url, charger_id, protocol, password=PASSWORD)
            with pytest.raises(InvalidStatus) as refused:
                await sim.connect()
            assert refused.value.response.status_code == 401
            assert refused.value.response.body == b"Unauthorized\n"
        assert "left" in caplog.text and "wrong password" in caplog.text
        assert not harness.runtime.linked("left")
        good = harness.charge_point("left", protocol, password=PASSWORD)
        await good.connect()
        await eventually(lambda: harness.runtime.linked("left"), what="left admitted")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_security_profile_2_serves_wss_with_the_configured_certificate(
    tmp_path: Path, protocol: str
) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    certificate.private_key_pem.write_to_path(tmp_path / "key.pem")
    certificate.cert_chain_pems[0].write_to_path(tmp_path / "cert.pem")
    ocpp = 'tls_cert_file = "cert.pem"\ntls_key_file = "key.pem"'
    async with serving(_secured(tmp_path, protocol, profile=2, ocpp=ocpp)) as harness:
        assert harness.url.startswith("wss://")
        trusting = ssl.create_default_context()
        authority.configure_trust(trusting)
        sim = harness.charge_point("left", protocol, password=PASSWORD, ssl_context=trusting)
        await sim.connect()
        await eventually(
            lambda: profiles.BASELINE_ID in sim.station.store.profiles, what="baseline over TLS"
        )
        # a client that does not trust the certificate gets no connection
        with pytest.raises(ssl.SSLCertVerificationError):
            await connect(f"{harness.url}/left", subprotocols=[protocol])  # type: ignore[list-item]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_unknown_ids_are_refused_unless_the_site_lets_them_register(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        with pytest.raises(InvalidStatus) as refused:
            await SimulatedChargePoint(harness.url, "stranger", protocol).connect()
        assert refused.value.response.status_code == 404
    other = tmp_path / "auto"
    other.mkdir()
    auto = group_site(
        other,
        protocol,
        ocpp='auto_register_circuit = "visitors"\nauto_register_start_current_a = 0',
        extra='\n[[circuits]]\nid = "visitors"\nbreaker_a = 40\n',
    )
    async with serving(auto) as harness:
        sim = harness.charge_point("visitor", protocol)
        await sim.connect()
        await eventually(lambda: harness.runtime.linked("visitor"), what="visitor registered")
        charger = harness.runtime.site.chargers_by_id["visitor"]
        assert (charger.circuit, charger.max_current_a) == ("visitors", 32.0)
        # its start profile holds new cars at 0 A until ampshare speaks
        await eventually(lambda: profiles.START_ID in sim.station.store.profiles, what="start")
        assert sim.station.store.profiles[profiles.START_ID].periods[0].limit == 0.0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_retired_charger_has_ampshares_profiles_cleared_and_is_not_managed(
    tmp_path: Path, protocol: str
) -> None:
    async with serving(group_site(tmp_path, protocol)) as harness:
        sim = harness.charge_point("left", protocol)
        await sim.connect()
        await eventually(lambda: profiles.BASELINE_ID in sim.station.store.profiles)
        await sim.disconnect()
    retired = tmp_path / "later"
    retired.mkdir()
    text = (tmp_path / "site.toml").read_text(encoding="utf-8")
    later = text.replace('id = "left"', 'id = "right2"').replace(
        "[ocpp]\n", '[ocpp]\nretired_chargers = [{ id = "left" }]\n'
    )
    (retired / "site.toml").write_text(later, encoding="utf-8")
    async with serving(load_installation(retired / "site.toml")) as harness:
        sim.url = harness.url
        await sim.connect()
        await eventually(lambda: not sim.station.store.profiles, what="profiles cleared")
        assert not harness.runtime.linked("left")
        assert "left" not in harness.runtime.loop.chargers
