"""A charger connects, boots and is configured: meter values, its limits read, the baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampshare.devices.ocpp import profiles
from tests.devices.ocpp.harness import PROTOCOLS, eventually, group_site, serving


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_boot_configures_meter_values_and_installs_the_fallback_baseline(
    tmp_path: Path, protocol: str
) -> None:
    installation = group_site(tmp_path, protocol)
    async with serving(installation) as harness:
        sim = harness.charge_point("left", protocol)
        await sim.connect()
        store = sim.station.store
        await eventually(lambda: profiles.BASELINE_ID in store.profiles, what="the baseline")
        baseline = store.profiles[profiles.BASELINE_ID]
        assert (baseline.stack_level, baseline.purpose) == (0, "TxDefaultProfile")
        assert baseline.periods[0].limit == 6.0 and baseline.unit == "A"
        assert baseline.valid_to is None, "the fallback must never lapse"
        actions = [r.action for r in sim.station.received]
        if protocol == "ocpp1.6":
            assert sim.station.config["MeterValueSampleInterval"] == "1"
            sampled = sim.station.config["MeterValuesSampledData"].split(",")
            assert "GetConfiguration" in actions
        else:
            variables = sim.station.variables
            assert variables[("SampledDataCtrlr", "TxUpdatedInterval")] == "1"
            sampled = variables[("SampledDataCtrlr", "TxUpdatedMeasurands")].split(",")
            assert "GetVariables" in actions
        assert {"Current.Import", "Current.Offered", "Power.Active.Import"} <= set(sampled)
        # the configuration comes before any profile, the baseline before any offer
        assert actions.index("SetChargingProfile") > actions.index(
            "GetConfiguration" if protocol == "ocpp1.6" else "GetVariables"
        )
        assert harness.runtime.linked("left")
