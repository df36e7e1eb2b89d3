"""``python -m examples.intake``."""

from examples.intake.cli import main

main()
