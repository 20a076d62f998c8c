"""The parts of OpenEVSE WiFi firmware (v4/v5, openevse_esp32_firmware) that decide a unit's
pilot, as plain Python on an explicit clock, for the simulated unit:

- EvseManager's claims (evse_man.cpp): each client claims a state, a charge_current and a
  max_current at a priority; for each property separately the highest-priority claim that sets
  it wins; the pilot is the configured maximum, lowered to max_current, then to
  charge_current, and never below the minimum.
- The current shaper (current_shaper.cpp, with the output filter of firmware master and the
  input filter of input_filter.cpp): its limit is (max_pwr - live_pwr) / voltage + amps
  (/ 3 on a three-phase unit), claimed as max_current at priority 5000 every shaper loop after
  new data; "disabled" when below the minimum current; and "disabled" at priority 1100 once no
  data came for current_shaper_data_maxinterval seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

PRIORITY_MQTT = 500
PRIORITY_LIMIT = 1100
PRIORITY_SAFETY = 5000
SHAPER_CLIENT = "shaper"
MQTT_CLIENT = "mqtt"
SHAPER_HYSTERESIS_A = 0.5
SHAPER_LOOP_S = 2.0
INPUT_FILTER_MIN_TAU_S = 10


@dataclass(frozen=True)
class Props:
    """EvseProperties: None is "not set" (UINT32_MAX / EvseState::None in the firmware)."""

    state: str | None = None  # "active" or "disabled"
    charge_current: int | None = None
    max_current: int | None = None


@dataclass
class Claims:
    by_client: dict[str, tuple[int, Props]] = field(default_factory=dict)
    version: int = 0

    def claim(self, client: str, priority: int, props: Props) -> None:
        if self.by_client.get(client) != (priority, props):
            self.by_client[client] = (priority, props)
            self.version += 1

    def release(self, client: str) -> None:
        if self.by_client.pop(client, None) is not None:
            self.version += 1

    def target(self) -> Props:
        """evaluateClaims: per property, the highest-priority claim that sets it."""
        best: dict[str, tuple[int, object]] = {}
        for priority, props in self.by_client.values():
            for name in ("state", "charge_current", "max_current"):
                value = getattr(props, name)
                if value is not None and priority > best.get(name, (0, None))[0]:
                    best[name] = (priority, value)
        state = best.get("state", (0, "active"))[1]
        return Props(
            state=str(state),
            charge_current=_int_or_none(best.get("charge_current")),
            max_current=_int_or_none(best.get("max_current")),
        )


def _int_or_none(entry: tuple[int, object] | None) -> int | None:
    return None if entry is None else int(str(entry[1]))


def pilot_a(target: Props, max_configured_a: int, min_a: int) -> int:
    """setTargetState: the pilot the claims leave."""
    current = max_configured_a
    if target.max_current is not None and target.max_current < current:
        current = target.max_current
    if target.charge_current is not None and target.charge_current < current:
        current = target.charge_current
    return max(current, min_a)


def merge_mqtt_claim(props: Props, document: dict[str, object]) -> Props:
    """EvseProperties::deserialize: only the keys given change; "clear" unsets one."""
    changes: dict[str, object] = {}
    if "state" in document:
        state = document["state"]
        changes["state"] = None if state == "clear" else state
    for name in ("charge_current", "max_current"):
        if name in document:
            value = document[name]
            changes[name] = None if value == "clear" else int(float(str(value)))
    return replace(props, **changes)  # type: ignore[arg-type]


class InputFilter:
    """input_filter.cpp: an exponential filter over whole seconds since its last use."""

    def __init__(self) -> None:
        self._last_s: float | None = None

    def filter(self, value: float, filtered: float, tau_s: int, now_s: float) -> float:
        if self._last_s is None:
            self._last_s = now_s
        delta_s = math.floor(now_s - self._last_s)
        self._last_s = now_s
        # tau 0: no filtering
        factor = 1 - math.exp(-delta_s / max(tau_s, INPUT_FILTER_MIN_TAU_S)) if tau_s else 1.0
        return value * factor + filtered * (1 - factor)


@dataclass
class ShaperConfig:
    enabled: bool = True
    max_pwr_w: int = 9600
    smoothing_time_s: int = 60
    min_pause_time_s: int = 300
    data_maxinterval_s: int = 120
    three_phase: bool = False
    output_filter: bool = True  # firmware master smooths the shaper's limit too


class Shaper:
    def __init__(self, config: ShaperConfig, now_s: float) -> None:
        self.config = config
        self.enabled = config.enabled
        self.live_pwr_w = 0
        self.smoothed_live_pwr_w = 0.0
        self.max_cur_a = 0.0
        self._pause_s: float | None = None
        self._timer_s = now_s
        self.updated = False
        self._changed = False
        self._input = InputFilter()
        self._output = InputFilter()

    def set_live_pwr(self, live_w: int, amps_a: float, voltage_v: float, now_s: float) -> None:
        """shapeCurrent, on a message on the live-power topic."""
        self.live_pwr_w = live_w
        self.updated = True
        cfg = self.config
        if self._pause_s is None or live_w > self.smoothed_live_pwr_w:
            self.smoothed_live_pwr_w = live_w
        else:
            self.smoothed_live_pwr_w = self._input.filter(
                live_w, self.smoothed_live_pwr_w, cfg.smoothing_time_s, now_s
            )
        per_amp_w = voltage_v * (3 if cfg.three_phase else 1)
        max_cur = (cfg.max_pwr_w - self.smoothed_live_pwr_w) / per_amp_w + amps_a
        if cfg.output_filter:
            max_cur = self._output.filter(max_cur, self.max_cur_a, cfg.smoothing_time_s, now_s)
        self.max_cur_a = max_cur
        self._changed = True

    def loop(self, claims: Claims, min_a: int, now_s: float) -> None:
        """One shaper loop (every SHAPER_LOOP_S): claim, pause, or release."""
        if not self.enabled:
            claims.release(SHAPER_CLIENT)
            return
        cfg = self.config
        if self._changed:
            props = Props(max_current=math.floor(self.max_cur_a))
            if self.max_cur_a < min_a:
                props = replace(props, state="disabled")  # not enough amps: pause
                if self._pause_s is None:
                    self._pause_s = now_s
            elif (
                self._pause_s is None or now_s - self._pause_s >= cfg.min_pause_time_s
            ) and self.max_cur_a - min_a >= SHAPER_HYSTERESIS_A:
                self._pause_s = None
            self._timer_s = now_s
            self._changed = False
            claims.claim(SHAPER_CLIENT, PRIORITY_SAFETY, props)
        elif not self.updated or now_s - self._timer_s > cfg.data_maxinterval_s:
            # live power has not been updated in time: pause
            if self.updated:
                self._pause_s = now_s
                self.updated = False
                self.smoothed_live_pwr_w = self.live_pwr_w
            current = claims.by_client.get(SHAPER_CLIENT)
            if current is None or current[1].state != "disabled":
                claims.claim(SHAPER_CLIENT, PRIORITY_LIMIT, Props(state="disabled"))
