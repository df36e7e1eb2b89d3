"""The intake's own concepts (Extracting and Reviewing come from accord)."""

from examples.intake.concepts.customers import Customers
from examples.intake.concepts.evidence import Evidence
from examples.intake.concepts.inbox import Inbox
from examples.intake.concepts.models import ModelChain
from examples.intake.concepts.screening import Screening

__all__ = ["Customers", "Evidence", "Inbox", "ModelChain", "Screening"]
