"""Linear programs over a site's limits (HiGHS through scipy): the offline optimum of the
simulator and the control loop's schedule for cars whose needs are known."""

from ampshare.lp.phasor import PHASOR_MAX_ERROR, PhasorLimits
from ampshare.lp.program import LpBuilder, LpSize, LpSolution, SolverError

__all__ = ["PHASOR_MAX_ERROR", "LpBuilder", "LpSize", "LpSolution", "PhasorLimits", "SolverError"]
