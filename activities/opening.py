"""Opening a case in one local activity: its catalogue entries, the applicant's credit and the
commitment letters of the matters that may be done by commitment."""

from __future__ import annotations

from dataclasses import replace

from temporalio import activity

from activities.calendar import CalendarActivities
from activities.catalogue import CatalogueActivities, service_time_limit
from activities.credit import CreditActivities
from activities.letters import LetterActivities
from activities.procedure import procedure
from workflows.rules import ineligibility
from workflows.types import AssessCreditInput, LoadMattersInput, OpenedCase, RenderLettersInput, ScheduleInput


class OpeningActivities:
    def __init__(
        self, catalogue: CatalogueActivities, credit: CreditActivities, letters: LetterActivities, calendar: CalendarActivities
    ) -> None:
        self._catalogue, self._credit, self._letters, self._calendar = catalogue, credit, letters, calendar

    @activity.defn
    def open_case(self, inp: RenderLettersInput) -> OpenedCase:
        """Entries and credit, then a letter per eligible matter (by the workflow's own rule), the
        procedure rules and the service's 办理时限 (working days from the opening)."""
        entries = self._catalogue.load_matters(LoadMattersInput(inp.matter_codes))
        credit = self._credit.assess_credit(AssessCreditInput(inp.applicant.id))
        eligible = [e.code for e in entries if ineligibility(e, credit) is None]
        letters = self._letters.render_letters(replace(inp, matter_codes=eligible)) if eligible else []
        limit = service_time_limit(inp.service) if inp.opened_at else None
        # to the end of the limit's last working day
        due = (
            self._calendar.schedule_verification(ScheduleInput(inp.opened_at, 0, limit[0])).deadline_at
            if limit and inp.opened_at
            else None
        )
        return OpenedCase(
            entries=entries,
            credit=credit,
            letters=letters,
            procedure=procedure(),
            decision_due_at=due,
            decision_basis=limit[1] if limit else None,
        )
