"""The ``accord`` command line (``accord --help``); one module per command group."""

from accord.cli.main import app, main

__all__ = ["app", "main"]
