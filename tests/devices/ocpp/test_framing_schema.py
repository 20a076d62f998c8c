"""The schema check of every CALL: fast when the payload is valid, and the ocpp package's
validator the judge of what is wrong (or not) when the compiled check finds anything."""

from __future__ import annotations

from typing import Any

from ocpp.messages import Call

from ampshare.devices.ocpp.framing import _schema_problem, _valid

SAMPLE = {"value": "16", "measurand": "Current.Import", "unit": "A", "phase": "L1"}


def _meter_values(timestamp: str = "2026-12-02T10:00:00Z", **sample: Any) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "transactionId": 7,
        "meterValue": [{"timestamp": timestamp, "sampledValue": [SAMPLE | sample]}],
    }


def test_a_valid_call_passes() -> None:
    assert _schema_problem(Call("1", "MeterValues", _meter_values()), "1.6") is None


def test_a_broken_call_is_named_with_the_code_and_the_place() -> None:
    problem = _schema_problem(Call("1", "MeterValues", _meter_values(measurand="Amps")), "1.6")
    assert problem is not None
    code, text = problem
    assert code == "PropertyConstraintViolation"
    assert "meterValue/0/sampledValue/0/measurand" in text
    missing = _schema_problem(Call("1", "MeterValues", {"meterValue": []}), "1.6")
    assert missing is not None and missing[0] == "OccurenceConstraintViolation"


def test_what_the_ocpp_package_accepts_is_accepted_even_if_the_compiled_check_is_stricter() -> None:
    # the compiled check enforces "format": "date-time"; the ocpp package does not, and chargers
    # in the field send such timestamps: they were accepted before and still are
    assert not _valid("MeterValues", "1.6", _meter_values(timestamp="2026-12-02 10:00:00"))
    payload = _meter_values(timestamp="2026-12-02 10:00:00")
    assert _schema_problem(Call("1", "MeterValues", payload), "1.6") is None
