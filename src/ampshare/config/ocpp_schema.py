"""The OCPP parts of a site file: the [ocpp] table (the central system's endpoint) and a
charger's [chargers.ocpp] table, and what they ask of each other (ocpp_problems)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr, field_validator

from ampshare.config.fields import EntryId, Number, Table
from ampshare.domain import Problem

# "pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>" (ampshare hash-password)
_BASE64 = r"[A-Za-z0-9+/=]+"
PASSWORD_HASH_PATTERN = re.compile(rf"^pbkdf2_sha256\$[1-9][0-9]*\${_BASE64}\${_BASE64}$")
_HASH_HINT = 'run `ampshare hash-password` and paste what it prints (it starts "pbkdf2_sha256$")'


def _check_hash(value: str | None) -> str | None:
    if value is not None and not PASSWORD_HASH_PATTERN.match(value):
        raise ValueError(f"password_hash is not a hash ampshare made: {_HASH_HINT}")
    return value


class RetiredCharger(Table):
    """A charger taken out of the site that may still point at ampshare: when it connects,
    ampshare clears the charging profiles it installed there and manages it no more."""

    id: EntryId
    password_hash: StrictStr | None = None  # needed at security profile 1 and 2

    _hash = field_validator("password_hash")(_check_hash)


class OcppTable(Table):
    """Where chargers connect: ws://<host>:<port>/<charger-id>."""

    host: StrictStr = "0.0.0.0"
    port: StrictInt = Field(default=9000, ge=0, le=65535)  # 0: any free port (tests)
    # OCPP security profile: 0 none, 1 HTTP basic auth, 2 basic auth over TLS (wss://)
    security_profile: Literal[0, 1, 2] = 0
    tls_cert_file: StrictStr | None = None  # relative paths are relative to the site file
    tls_key_file: StrictStr | None = None
    # unknown charger ids are refused unless they may register into this circuit
    auto_register_circuit: EntryId | None = None
    # what an auto-registered charger is taken to be (it cannot say so over OCPP)
    auto_register_max_current_a: Number = Field(default=32.0, gt=0)
    auto_register_fallback_current_a: Number = Field(default=6.0, ge=0)
    auto_register_start_current_a: Number | None = Field(default=None, ge=0)
    # the one password unknown chargers must give at security profile 1 and 2
    auto_register_password_hash: StrictStr | None = None
    # Authorize: accept every idTag unless this list is given
    authorized_tokens: list[StrictStr] | None = None
    heartbeat_interval_s: StrictInt = Field(default=300, ge=10)
    meter_value_sample_interval_s: StrictInt = Field(default=10, ge=1)
    retired_chargers: list[RetiredCharger] = Field(default_factory=list)

    _hash = field_validator("auto_register_password_hash")(_check_hash)


class OcppChargerTable(Table):
    """A charger's OCPP settings ([chargers.ocpp])."""

    # "pbkdf2_sha256$<iterations>$<salt>$<hash>", made by `ampshare hash-password`
    password_hash: StrictStr | None = None
    # 1.6: the connector; 2.0.1: the EVSE id
    connector_id: StrictInt = Field(default=1, ge=1)
    # chargers that only take limits in watts get them converted with the site voltage
    rate_unit: Literal["A", "W"] = "A"
    # a paused car resumes only after a RemoteStartTransaction (some firmwares)
    resume_with_remote_start: StrictBool = False
    # profiles on this charger never lapse: count it at its last offer until it reconnects
    profiles_expire: StrictBool = True
    # OCPP 2.1: the charger speaks ocpp2.1 and takes maxOfflineDuration (the lease counted
    # from the moment it loses ampshare, so it needs no clock in step with ampshare's)
    supports_max_offline_duration: StrictBool = False
    # the voltage a watt limit is converted with (per phase); default: the site's
    nominal_voltage_v: Number | None = Field(default=None, gt=0)

    _hash = field_validator("password_hash")(_check_hash)


def resolve_paths(table: OcppTable, base_dir: Path) -> OcppTable:
    """The table with its certificate paths made absolute against the site file's folder."""
    update = {
        key: str(base_dir / value)
        for key in ("tls_cert_file", "tls_key_file")
        if (value := getattr(table, key)) is not None
    }
    return table.model_copy(update=update) if update else table


def ocpp_problems(
    table: OcppTable | None,
    chargers: Iterable[tuple[str, str, OcppChargerTable | None]],
    base_dir: Path,
) -> list[Problem]:
    """Settings that cannot work together. chargers: (id, protocol, its [chargers.ocpp]) for
    each OCPP charger; problems name chargers as the domain does ("charger 'left'")."""
    table = table or OcppTable()
    problems = _endpoint_problems(table, base_dir)
    profile = table.security_profile
    ids = set()
    for charger_id, protocol, ocpp in chargers:
        ids.add(charger_id)
        where = f"charger {charger_id!r}"
        has_hash = ocpp is not None and ocpp.password_hash is not None
        if profile >= 1 and not has_hash:
            problems.append(
                Problem(
                    where,
                    f"[chargers.ocpp] password_hash is missing: [ocpp] security_profile "
                    f"{profile} makes every charger log in with a password; {_HASH_HINT}",
                )
            )
        if profile == 0 and has_hash:
            problems.append(
                Problem(
                    where,
                    "[chargers.ocpp] password_hash is set but [ocpp] security_profile is 0, "
                    "so it would never be checked: set security_profile = 1 (or 2 with TLS)",
                )
            )
        if ocpp is not None and ocpp.supports_max_offline_duration and protocol != "ocpp2.0.1":
            problems.append(
                Problem(
                    where,
                    "[chargers.ocpp] supports_max_offline_duration is an OCPP 2.1 feature: "
                    'it needs protocol = "ocpp2.0.1" (the charger then connects with ocpp2.1)',
                )
            )
    for index, retired in enumerate(table.retired_chargers):
        if retired.id in ids:
            problems.append(
                Problem(
                    "[ocpp]",
                    f"retired_chargers[{index}]: {retired.id!r} is still a charger of the "
                    "site: remove it from one of the two",
                )
            )
        if profile >= 1 and retired.password_hash is None:
            problems.append(
                Problem(
                    "[ocpp]",
                    f"retired_chargers[{index}]: password_hash is missing: at security_profile "
                    f"{profile} ampshare can only let {retired.id!r} in with its password",
                )
            )
    return problems


def _endpoint_problems(table: OcppTable, base_dir: Path) -> list[Problem]:
    problems = []
    profile = table.security_profile
    tls_keys = ("tls_cert_file", "tls_key_file")
    for key in tls_keys:
        value = getattr(table, key)
        if profile == 2 and value is None:
            problems.append(
                Problem(
                    "[ocpp]",
                    f"security_profile 2 (TLS, wss://) needs {key}: give the PEM file of the "
                    "server's " + ("certificate" if key == "tls_cert_file" else "private key"),
                )
            )
        elif value is not None and profile < 2:
            problems.append(
                Problem(
                    "[ocpp]",
                    f"{key} is set but security_profile is {profile}: set security_profile "
                    "= 2 to serve wss://, or remove the key",
                )
            )
        elif value is not None and not (base_dir / value).is_file():
            problems.append(
                Problem("[ocpp]", f"{key} {value!r}: file not found (relative to the site file)")
            )
    if table.auto_register_circuit and profile >= 1 and table.auto_register_password_hash is None:
        problems.append(
            Problem(
                "[ocpp]",
                f"auto_register_circuit is set at security_profile {profile}: unknown chargers "
                f"must log in with auto_register_password_hash; {_HASH_HINT}",
            )
        )
    if table.authorized_tokens is not None and not table.authorized_tokens:
        problems.append(
            Problem(
                "[ocpp]",
                "authorized_tokens is empty, so no driver could start charging: list the "
                "tokens, or leave the key out to accept every token",
            )
        )
    return problems
