"""Static checks, run before anything executes.

* :mod:`accord.checks.syncs`: every sync against the concepts it names (``check``);
* :mod:`accord.checks.independence`: no concept module imports another (read, not imported);
* :mod:`accord.checks.diagnostics`: the diagnostics and their wording, shared with the
  ``.sync`` parser.

The package imports nothing itself, so that the parser can use the diagnostics without
loading the checks.
"""
