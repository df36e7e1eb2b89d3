"""``python -m intake_app``."""

from intake_app.cli import main

main()
