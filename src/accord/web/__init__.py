"""HTTP for accord apps: an ASGI server over the Requesting concept."""

from accord.web.live import free_port, live_server
from accord.web.server import AccordServer, default_error_body

__all__ = ["AccordServer", "default_error_body", "free_port", "live_server"]
