"""A run as a picture: what each charger drew, and each shared circuit's load against its
limit and breaker, over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no screen needed

import matplotlib.pyplot as plt

from ampshare.sim.playback import RunResult
from ampshare.sim.recorder import ConductorRecord

_MAX_CHARGER_LINES = 12
_MAX_CONDUCTOR_LINES = 8
_SECONDS_PER_HOUR = 3600.0


def shared_conductors(result: RunResult) -> list[ConductorRecord]:
    """The conductors worth a line: those of circuits that several chargers share (a branch
    circuit with one charger on it tells nothing the charger's own line does not)."""
    trace = result.trace
    if trace is None:
        return []
    shared = [c for c in result.conductors if _sharing(result, c.label) > 1]
    chosen = shared or list(result.conductors)
    return chosen[:_MAX_CONDUCTOR_LINES]


def _sharing(result: RunResult, label: str) -> int:
    trace = result.trace
    assert trace is not None
    return len(trace.sharing.get(label, ()))


def plot_run(result: RunResult, path: Path, title: str) -> None:
    trace = result.trace
    if trace is None or not trace.times_s:
        raise ValueError("this run kept no trace to plot")
    hours = [t / _SECONDS_PER_HOUR for t in trace.times_s]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 7), layout="constrained")
    if len(trace.draw_a) <= _MAX_CHARGER_LINES:
        for charger_id, draws in trace.draw_a.items():
            top.step(hours, draws, where="post", label=charger_id, linewidth=1.2)
        top.legend(loc="upper right", fontsize="small", ncols=2)
        top.set_ylabel("charger draw (A)")
    else:
        total = [sum(values) for values in zip(*trace.draw_a.values(), strict=True)]
        charging = [
            sum(v > 0 for v in values) for values in zip(*trace.draw_a.values(), strict=True)
        ]
        top.step(hours, total, where="post", label="all chargers (A)", color="tab:blue")
        top.set_ylabel("sum of draws (A)")
        cars = top.twinx()
        cars.step(hours, charging, where="post", color="tab:green", linewidth=0.8)
        cars.set_ylabel("cars charging", color="tab:green")
    top.set_title(title)
    top.grid(alpha=0.3)
    for index, conductor in enumerate(shared_conductors(result)):
        color = f"C{index % 10}"
        bottom.step(
            hours, trace.load_a[conductor.label], where="post", color=color, label=conductor.label
        )
        bottom.axhline(conductor.limit_a, color=color, linestyle="--", linewidth=0.9)
    bottom.set_ylabel("circuit load (A); dashed: limit")
    bottom.set_xlabel("hours from the start")
    bottom.legend(loc="upper right", fontsize="small", ncols=2)
    bottom.grid(alpha=0.3)
    fig.savefig(path, dpi=110)
    plt.close(fig)
