"""The OCPP parts of a site file: the [ocpp] table (the central system's endpoint) and a
charger's [chargers.ocpp] table."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from ampshare.config.fields import EntryId, Number, Table


class OcppTable(Table):
    """Where chargers connect: ws://<host>:<port>/<charger-id>."""

    host: StrictStr = "0.0.0.0"
    port: StrictInt = Field(default=9000, ge=1, le=65535)
    # OCPP security profile: 0 none, 1 HTTP basic auth, 2 basic auth over TLS (wss://)
    security_profile: Literal[0, 1, 2] = 0
    tls_cert_file: StrictStr | None = None
    tls_key_file: StrictStr | None = None
    # unknown charger ids are refused unless they may register into this circuit
    auto_register_circuit: EntryId | None = None
    # Authorize: accept every idTag unless this list is given
    authorized_tokens: list[StrictStr] | None = None
    heartbeat_interval_s: StrictInt = Field(default=300, ge=10)
    meter_value_sample_interval_s: StrictInt = Field(default=10, ge=1)


class OcppChargerTable(Table):
    """A charger's OCPP settings ([chargers.ocpp])."""

    # "pbkdf2_sha256$<iterations>$<salt>$<hash>", made by `ampshare hash-password`
    password_hash: StrictStr | None = None
    connector_id: StrictInt = Field(default=1, ge=1)
    # chargers that only take limits in watts get them converted with the site voltage
    rate_unit: Literal["A", "W"] = "A"
    # a paused car resumes only after a RemoteStartTransaction (some firmwares)
    resume_with_remote_start: StrictBool = False
    # profiles on this charger never lapse: count it at its last offer until it reconnects
    profiles_expire: StrictBool = True
    supports_max_offline_duration: StrictBool = False  # OCPP 2.1
    nominal_voltage_v: Number | None = None
