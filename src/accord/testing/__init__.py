"""Testing support: flow assertions, operational principles and the pytest plugin."""

from accord.testing.flows import FlowAssertionError, FlowCheck, check_flow
from accord.testing.principles import PrincipleViolation, principle

__all__ = ["FlowAssertionError", "FlowCheck", "PrincipleViolation", "check_flow", "principle"]
