"""``python -m accord.cli``: the ``accord`` command."""

from accord.cli.main import main

main()
