"""The navigation's links besides the case queues: the credit office's repairs, the catalogue
revisions awaiting the legal-affairs bureau, the applicant's credit archive, the dashboard —
each with its count, shown to the roles that may open it (the API's own role sets)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import CatalogueRevision, CreditRepair
from services.repairs import OFFICE
from services.statistics import ROLES as STATISTICS_ROLES
from workflows.repair_types import RepairStatus
from workflows.revision_rules import BUREAU, READERS, STEPS
from workflows.types import Actor, Role

DASHBOARD_ROLES = STATISTICS_ROLES | {Role.credit_officer}
"""The API's statistics readers, and the credit office (it watches the untrue rate and sanctions)."""
BUREAU_STATUSES = frozenset(s for roles, statuses in STEPS.values() if roles is BUREAU for s in statuses)
"""The statuses in which a revision waits for the bureau: submitted (审定), approved (备案), filed (公布)."""


@dataclass(frozen=True)
class NavLink:
    href: str
    short: str
    title: str
    count: int | None = None
    key: str = ""


def pending_repairs(db: Session) -> int:
    return db.exec(select(func.count()).select_from(CreditRepair).where(CreditRepair.status == RepairStatus.pending)).one()


def revisions_for_bureau(db: Session) -> int:
    statuses = [str(s) for s in BUREAU_STATUSES]
    query = select(func.count()).select_from(CatalogueRevision).where(col(CatalogueRevision.status).in_(statuses))
    return db.exec(query).one()


def links_for(db: Session, actor: Actor) -> list[NavLink]:
    """The links this person may follow, in the navigation's order."""
    links: list[NavLink] = []
    if actor.role in OFFICE:
        links.append(NavLink("/repairs", "信用修复", "信用修复申请（待审核）", pending_repairs(db), "repairs"))
    if actor.role in READERS:
        short = "清单审定" if actor.role == Role.bureau else "清单调整"
        count = revisions_for_bureau(db) if actor.role in BUREAU else None
        links.append(NavLink("/revisions", short, "清单调整（待审定、备案、公布）", count, "revisions"))
    if actor.role == Role.applicant:
        links.append(NavLink(f"/archive/{quote(actor.id, safe='')}", "诚信档案", "我的诚信档案与信用修复", None, "archive"))
    if actor.role in DASHBOARD_ROLES:
        links.append(NavLink("/dashboard", "考评统计", "考评统计图表", None, "dashboard"))
    return links
