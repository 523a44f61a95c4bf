"""SQLAlchemy 2.0 models. Invariants live in the database as constraints too."""

from fieldwork.models.instruments import InstrumentVersion
from fieldwork.models.jobs import Job
from fieldwork.models.mailings import Mailing
from fieldwork.models.responses import Invitation, Response
from fieldwork.models.staff import AuditEvent, User
from fieldwork.models.study import Practice, PracticeTarget, Region
from fieldwork.models.throttle import Attempt

__all__ = [
    "Attempt",
    "AuditEvent",
    "InstrumentVersion",
    "Invitation",
    "Job",
    "Mailing",
    "Practice",
    "PracticeTarget",
    "Region",
    "Response",
    "User",
]
