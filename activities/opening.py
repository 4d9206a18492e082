"""Opening a case in one local activity: its catalogue entries, the applicant's credit and the
commitment letters of the matters that may be done by commitment."""

from __future__ import annotations

from dataclasses import replace

from temporalio import activity

from activities.catalogue import CatalogueActivities
from activities.credit import CreditActivities
from activities.letters import LetterActivities
from workflows.rules import ineligibility
from workflows.types import AssessCreditInput, LoadMattersInput, OpenedCase, RenderLettersInput


class OpeningActivities:
    def __init__(self, catalogue: CatalogueActivities, credit: CreditActivities, letters: LetterActivities) -> None:
        self._catalogue, self._credit, self._letters = catalogue, credit, letters

    @activity.defn
    def open_case(self, inp: RenderLettersInput) -> OpenedCase:
        """Entries and credit, then a letter per eligible matter (by the workflow's own rule)."""
        entries = self._catalogue.load_matters(LoadMattersInput(inp.matter_codes))
        credit = self._credit.assess_credit(AssessCreditInput(inp.applicant.id))
        eligible = [e.code for e in entries if ineligibility(e, credit) is None]
        letters = self._letters.render_letters(replace(inp, matter_codes=eligible)) if eligible else []
        return OpenedCase(entries=entries, credit=credit, letters=letters)
