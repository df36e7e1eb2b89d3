"""Synchronizations: the model and the Python notation (the text notation is in ``text``)."""

from accord.sync.dsl import Clauses, bind, collect, optional, sync, uuid, where
from accord.sync.model import (
    ActionCall,
    Bind,
    Collect,
    Filter,
    Optional,
    Pattern,
    QueryCall,
    Sync,
    Var,
    WhereClause,
)

__all__ = [
    "ActionCall",
    "Bind",
    "Clauses",
    "Collect",
    "Filter",
    "Optional",
    "Pattern",
    "QueryCall",
    "Sync",
    "Var",
    "WhereClause",
    "bind",
    "collect",
    "optional",
    "sync",
    "uuid",
    "where",
]
