"""Consent before the first question: what a response records, and what a refusal leaves.

An instrument with a `consent:` block (forms.consent) asks for it before a response
exists. Agreeing starts the response with the statement's version, how and when it was
given, its language and the optional consents ticked. Not agreeing stores nothing but
the code's outcome: a refusal (AAPOR 2.11), through the same service coordinators use.
A keyed paper form is its own consent: the returned form, recorded as `paper_return`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fieldwork.models import Invitation, Response
from fieldwork.models.base import utcnow
from fieldwork.models.responses import AUTOMATIC
from forms.consent import Consent

HOWS = ("online", "assisted", "paper_return")


@dataclass(frozen=True)
class Agreement:
    """A consent given: the statement's version, how, in which language, optional ones."""

    version: str
    how: str
    language: str
    extras: tuple[str, ...] = ()


def agreement(
    consent: Consent, ticked: Iterable[str], *, how: str, language: str
) -> Agreement | None:
    """The agreement the ticked boxes give, or None when a required box is not ticked."""
    chosen = set(ticked)
    if any(choice.required and choice.id not in chosen for choice in consent.choices):
        return None
    extras = tuple(choice.id for choice in consent.extras if choice.id in chosen)
    return Agreement(consent.version, how, language, extras)


def paper_return(consent: Consent | None, language: str) -> Agreement | None:
    """The consent a returned paper form gives (optional consents are not asked on paper)."""
    if consent is None:
        return None
    return Agreement(consent.version, "paper_return", language)


def record_agreement(
    response: Response, given: Agreement | None, at: datetime | None = None
) -> None:
    """Write the agreement onto the response (nothing for an instrument without consent);
    `at` is when it was given (a paper form's return date), else now."""
    if given is None:
        return
    response.consent_version, response.consent_how = given.version, given.how
    response.consent_language, response.consent_at = given.language, at or utcnow()
    response.consent_extras = " ".join(given.extras) or None


def decline(invitation: Invitation | None) -> bool:
    """The respondent did not agree: the code's outcome becomes a refusal (AAPOR 2.11).

    Nothing else is stored; an open link has no code, so nothing at all. True if the
    outcome changed (a code with an outcome set by hand keeps it).
    """
    # Imported here: the invitations package's views import the survey's services.
    from fieldwork.invitations.services import set_disposition

    if invitation is None or invitation.disposition not in AUTOMATIC:
        return False
    return set_disposition(invitation, "refusal")
