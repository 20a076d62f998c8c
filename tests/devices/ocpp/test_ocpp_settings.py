"""`ampshare check` refuses OCPP settings that cannot work together; `ampshare hash-password`
makes the hashes the server checks passwords against."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ampshare.cli import app
from ampshare.config import ConfigError, load_installation
from ampshare.devices.ocpp.errors import PasswordHashError
from ampshare.devices.ocpp.passwords import hash_password, verify_password
from tests.config.helpers import SEED_TOML, write

OCPP = SEED_TOML.replace("max_current_a = 40\n", 'max_current_a = 40\nprotocol = "ocpp1.6"\n')
HASH = hash_password("a-long-enough-password", iterations=1000)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_installation(write(tmp_path, "site.toml", text))
    return caught.value.lines()


def test_profile_1_needs_a_password_hash_on_every_charger(tmp_path: Path) -> None:
    text = OCPP + f'[chargers.ocpp]\npassword_hash = "{HASH}"\n\n[ocpp]\nsecurity_profile = 1\n'
    lines = _problems(tmp_path, text)
    assert any(
        "charger 'left' (chargers[0])" in line and "password_hash is missing" in line
        for line in lines
    ), lines
    assert not any("charger 'right'" in line for line in lines)


def test_profile_2_needs_its_certificate_files(tmp_path: Path) -> None:
    text = OCPP + "\n[ocpp]\nsecurity_profile = 2\n"
    lines = _problems(tmp_path, text)
    assert any("[ocpp]" in line and "tls_cert_file" in line for line in lines)
    assert any("[ocpp]" in line and "tls_key_file" in line for line in lines)
    text = OCPP + '\n[ocpp]\nsecurity_profile = 2\ntls_cert_file = "no.pem"\ntls_key_file = "k"\n'
    assert any("'no.pem': file not found" in line for line in _problems(tmp_path, text))


def test_a_password_without_a_security_profile_and_a_malformed_hash_are_refused(
    tmp_path: Path,
) -> None:
    text = OCPP + f'[chargers.ocpp]\npassword_hash = "{HASH}"\n'
    assert any("security_profile is 0" in line for line in _problems(tmp_path, text))
    text = OCPP + '[chargers.ocpp]\npassword_hash = "secret"\n\n[ocpp]\nsecurity_profile = 1\n'
    assert any(
        "charger 'right'" in line and "ampshare hash-password" in line
        for line in _problems(tmp_path, text)
    )


def test_auto_registration_with_passwords_needs_its_own_hash(tmp_path: Path) -> None:
    text = OCPP + '\n[ocpp]\nsecurity_profile = 1\nauto_register_circuit = "garage"\n'
    assert any("auto_register_password_hash" in line for line in _problems(tmp_path, text))


def test_hash_password_prints_a_hash_that_verifies(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["hash-password", "--iterations", "1000"], input="a-long-enough-password\n"
    )
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith('password_hash = "pbkdf2_sha256$1000$')
    encoded = line.split('"')[1]
    assert verify_password("a-long-enough-password", encoded)
    assert not verify_password("a-long-enough-passwore", encoded)
    # and a site file takes it
    text = OCPP + f'[chargers.ocpp]\npassword_hash = "{encoded}"\n'
    text = text.replace('protocol = "ocpp1.6"\n', "", 1) + "\n[ocpp]\nsecurity_profile = 1\n"
    load_installation(write(tmp_path, "ok.toml", text))


def test_an_empty_password_is_refused_and_a_bad_hash_raises_our_error() -> None:
    result = CliRunner().invoke(app, ["hash-password"], input="\n")
    assert result.exit_code == 1 and "empty" in result.output
    with pytest.raises(PasswordHashError):
        verify_password("x", "md5$1$abc$def")
