"""Review governance: which leaflets are due for review, and which are overdue.

Every leaflet carries a ``review_by`` date and an owner. Sixty days before that date
``check`` starts to warn; once it has passed, ``check`` fails, naming the leaflet, the
date and the owner, so that the scheduled CI run tells the owner in time. The date of
"today" can be pinned (``--today``) so that tests and CI runs are repeatable.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..core.errors import Problem
from .leaflet import LeafletFile

NOTICE = datetime.timedelta(days=60)


@dataclass(frozen=True)
class ReviewState:
    """Where a leaflet stands against its review date."""

    state: str  # "current", "due" (within NOTICE) or "overdue"
    days: int  # days until the review date; negative once it has passed

    @classmethod
    def of(cls, review_by: datetime.date, today: datetime.date) -> ReviewState:
        days = (review_by - today).days
        if days < 0:
            return cls("overdue", days)
        return cls("due" if days <= NOTICE.days else "current", days)

    def describe(self) -> str:
        if self.days < 0:
            return f"overdue by {_days(-self.days)}"
        if self.days == 0:
            return "today"
        return f"in {_days(self.days)}"


def review_problems(leaflets: list[LeafletFile], today: datetime.date, relative
                    ) -> tuple[list[Problem], list[Problem]]:
    """Return the overdue leaflets (errors) and those due within 60 days (warnings).

    ``relative`` turns a leaflet's path into the path shown in messages.
    """
    overdue, due = [], []
    for leaflet in leaflets:
        review_by = leaflet.leaflet.review_by
        status = ReviewState.of(review_by, today)
        if status.state == "current":
            continue
        owner = leaflet.leaflet.owner.department
        if status.state == "overdue":
            message = (f"overdue for review since {review_by.isoformat()} ({_days(-status.days)}"
                       f"); owner: {owner}; review the leaflet and set a new review_by date")
        else:
            message = (f"due for review on {review_by.isoformat()} ({status.describe()}); "
                       f"owner: {owner}")
        (overdue if status.state == "overdue" else due).append(
            Problem(relative(leaflet.path), leaflet.key_lines.get("review_by"), message,
                    "review_by"))
    return overdue, due


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"
