"""accord: LLM-integrated systems built from independent concepts and durable synchronizations."""

from accord.app import App
from accord.concept import (
    ActionCall,
    ActionDef,
    ActionError,
    Concept,
    Error,
    Invocation,
    QueryCall,
    QueryDef,
    action,
    error,
    query,
)
from accord.migrations import Migration, migration
from accord.sync import Clauses, Sync, Var, bind, collect, optional, sync, uuid, where

__all__ = [
    "ActionCall",
    "ActionDef",
    "ActionError",
    "App",
    "Clauses",
    "Concept",
    "Error",
    "Invocation",
    "Migration",
    "QueryCall",
    "QueryDef",
    "Sync",
    "Var",
    "action",
    "bind",
    "collect",
    "error",
    "migration",
    "optional",
    "query",
    "sync",
    "uuid",
    "where",
]
