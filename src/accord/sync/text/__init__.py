"""The ``.sync`` text notation: the grammar (``sync.lark``), the parser and expressions.

``parse_syncs`` and ``load_sync_file`` compile text to the same model as the Python notation.
"""

from accord.sync.text.parser import (
    SyncSyntaxError,
    load_sync_file,
    parse_syncs,
    parse_with_diagnostics,
)

__all__ = ["SyncSyntaxError", "load_sync_file", "parse_syncs", "parse_with_diagnostics"]
