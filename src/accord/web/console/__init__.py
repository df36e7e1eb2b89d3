"""The console: web pages for the people who run an accord app (flows, review, drift).

``accord console APP --db app.db`` serves it on 127.0.0.1; ``accord serve APP --console``
mounts it under ``/_accord/``. See docs/console.md.
"""

from accord.web.console.app import ConsoleSettings, create_console
from accord.web.console.auth import ConsoleAuthError, Credentials, Role

__all__ = ["ConsoleAuthError", "ConsoleSettings", "Credentials", "Role", "create_console"]
