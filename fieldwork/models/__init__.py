"""SQLAlchemy 2.0 models. Invariants live in the database as constraints too."""

from fieldwork.models.identifying import IdentifyingAnswer
from fieldwork.models.instruments import InstrumentVersion
from fieldwork.models.jobs import Job
from fieldwork.models.keying import KeyingPass
from fieldwork.models.mailings import Mailing, PrintedLayout
from fieldwork.models.responses import Invitation, Response
from fieldwork.models.scans import ScanBatch, ScanCopy, ScanPage
from fieldwork.models.settings import PracticeClosure, StudySettings
from fieldwork.models.staff import AuditEvent, StaffSession, User
from fieldwork.models.study import Practice, PracticeTarget, Region
from fieldwork.models.throttle import Counter
from fieldwork.models.volunteers import InterviewTarget, VolunteerProgress

__all__ = [
    "AuditEvent",
    "Counter",
    "IdentifyingAnswer",
    "InstrumentVersion",
    "InterviewTarget",
    "Invitation",
    "Job",
    "KeyingPass",
    "Mailing",
    "Practice",
    "PracticeClosure",
    "PracticeTarget",
    "PrintedLayout",
    "Region",
    "Response",
    "ScanBatch",
    "ScanCopy",
    "ScanPage",
    "StaffSession",
    "StudySettings",
    "User",
    "VolunteerProgress",
]
