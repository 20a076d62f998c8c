"""The control loop in real time: the server's side of the two device interfaces."""

from ampshare.runtime.site_runtime import SiteRuntime

__all__ = ["SiteRuntime"]
