"""At opening: which matters may be promised (the catalogue entry, the applicant's credit), and
the commitment letters the applicant is notified of (告知), kept by hash."""

from __future__ import annotations

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.deadlines import Deadlines

with workflow.unsafe.imports_passed_through():
    from workflows.case import china_date
    from workflows.rules import ineligibility
    from workflows.types import LetterRef, MatterCase, MatterEntry, MatterMode, RenderLettersInput


class Notice(Deadlines):
    def _check_eligibility(self, entries: list[MatterEntry]) -> None:
        credit = self.case.credit
        assert credit is not None
        for e in entries:
            self.case.entries.append(e)
            reason = ineligibility(e, credit)
            self.case.matters.append(
                MatterCase(
                    code=e.code,
                    name=e.name,
                    stage=e.verification_stage,
                    exempt=e.verification_exempt,
                    eligible=reason is None,
                    ineligible_reason=reason,
                    mode=MatterMode.undecided if reason is None else MatterMode.proof,
                    verification_days=e.verification_days,
                    deadline_days=e.verification_deadline_days,
                )
            )
            if reason:
                self._system("eligibility", say.proof_required(e.name, reason))

    def _letters_input(self, codes: list[str]) -> RenderLettersInput:
        return RenderLettersInput(
            application_id=self._inp.application_id,
            applicant=self._inp.applicant,
            service=self._inp.service,
            issued_on=china_date(workflow.now()).isoformat(),
            matter_codes=codes,
            opened_at=workflow.now() if self._legal else None,
        )

    def _notified(self, letters: list[LetterRef]) -> None:
        for letter in letters:
            self.case.matter(letter.matter_code).letter_sha256 = letter.sha256
        if letters:
            self._system("notify", say.notified([self.case.matter(letter.matter_code).name for letter in letters]))
