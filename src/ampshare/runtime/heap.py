"""Garbage-collector settings for a long-running ampshare process.

A site of a thousand chargers keeps some 300,000 long-lived objects (its compiled network,
connections, the libraries), and every allocation makes many short-lived ones. With Python's
default thresholds the collector ran its young generation ~160 times a second and a full
collection every second or so, each scanning all of them for 200-300 ms: the event loop stood
still for that long and OCPP answers waited. What ampshare makes per allocation holds no
reference cycles, so collecting it is rare work; the long-lived part is frozen once set up.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)

# the young generation is collected after this many new container objects, not 700
YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Freeze what is alive now (never scanned again) and collect less eagerly."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    logger.debug("heap settled: %d objects frozen", gc.get_freeze_count())
