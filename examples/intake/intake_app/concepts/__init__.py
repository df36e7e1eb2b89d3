"""The intake's own concepts (Extracting and Reviewing come from accord)."""

from intake_app.concepts.customers import Customers
from intake_app.concepts.inbox import Inbox
from intake_app.concepts.models import ModelChain
from intake_app.concepts.screening import Screening

__all__ = ["Customers", "Inbox", "ModelChain", "Screening"]
