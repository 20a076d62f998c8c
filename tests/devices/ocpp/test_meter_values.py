"""MeterValues as 1.6 and 2.0.1 chargers send them, read into the loop's figures."""

from __future__ import annotations

from ampshare.devices.ocpp.meter_values import parse_meter_values


def test_16_strings_with_units_per_phase() -> None:
    found = parse_meter_values(
        [
            {
                "timestamp": "2026-01-01T00:00:00Z",
                "sampled_value": [
                    {"value": "15.9", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
                    {"value": "16.4", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
                    {"value": "0.3", "measurand": "Current.Import", "phase": "N", "unit": "A"},
                    {"value": "16", "measurand": "Current.Offered", "unit": "A"},
                    {"value": "11.2", "measurand": "Power.Active.Import", "unit": "kW"},
                    {"value": "1234.5", "unit": "kWh"},  # the default measurand: the register
                ],
            }
        ]
    )
    assert found.measured_a == 16.4  # the highest line, never the neutral
    assert found.offered_a == 16.0
    assert found.power_w == 11_200.0
    assert found.energy_wh == 1_234_500.0
    assert not found.problems


def test_201_numbers_with_unit_of_measure_and_multiplier() -> None:
    found = parse_meter_values(
        [
            {
                "timestamp": "2026-01-01T00:00:00Z",
                "sampled_value": [
                    {"value": 7.5, "measurand": "Current.Import", "phase": "L1-N"},
                    {
                        "value": 12.5,
                        "measurand": "Energy.Active.Import.Register",
                        "unit_of_measure": {"unit": "Wh", "multiplier": 3},
                    },
                ],
            }
        ]
    )
    assert found.measured_a == 7.5
    assert found.energy_wh == 12_500.0


def test_unreadable_values_are_skipped_with_a_reason_never_taken_for_zero() -> None:
    found = parse_meter_values(
        [
            {
                "sampled_value": [
                    {"value": "lots", "measurand": "Current.Import", "unit": "A"},
                    {"value": "5", "measurand": "Current.Offered", "unit": "Wh"},
                    {"value": "-3", "measurand": "Current.Import", "unit": "A"},
                ]
            },
            "not a meter value",
        ]
    )
    assert found.measured_a is None and found.offered_a is None
    assert len(found.problems) == 4
    assert any("'lots' is not a number" in p for p in found.problems)
