"""Per matter, the applicant's choice: commit (承诺) online or on paper at the counter, prove
instead, or withdraw a commitment until the decision."""

from __future__ import annotations

import hashlib

from temporalio import workflow

from workflows.application import wording as say
from workflows.application.before_patches import BeforePatches

with workflow.unsafe.imports_passed_through():
    from workflows import guards
    from workflows.rules import conflict, forbidden
    from workflows.types import (
        ApplicationView,
        CommitInput,
        MatterMode,
        ProofInput,
        Role,
        VerificationState as V,
        WithdrawInput,
    )


def _sha256(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Commitments(BeforePatches):
    @workflow.update
    async def commit(self, inp: CommitInput) -> ApplicationView:
        m = self.case.matter(inp.matter)
        now = workflow.now()
        m.mode = MatterMode.commitment
        m.committed_at = now
        m.withdrawn_reason = None
        verify_first = m.stage == "during" or self.case.complained
        m.verification = V.pending if (verify_first and not m.exempt) else V.none
        if inp.signature == "paper":  # signed at the counter, recorded by the caseworker
            m.commitment_sha256 = _sha256(m.letter_sha256 or "", self._inp.applicant.id, inp.scan_sha256 or "", now.isoformat())
            m.signature, m.scan_sha256, m.recorded_by = "paper", inp.scan_sha256, inp.actor.id
            self._by(inp.actor, "commit", say.committed_on_paper(m.name, m.letter_sha256, inp.scan_sha256))
        else:
            m.commitment_sha256 = _sha256(m.letter_sha256 or "", inp.actor.id, now.isoformat())
            m.signature = "online" if self._legal else None
            self._by(inp.actor, "commit", say.committed(m.name, m.letter_sha256))
        self._mutated()
        if self._legal and m.verification == V.pending:  # 事中 verification has its own deadline
            await self._due_now(m, now)
        return await self._changed()

    @commit.validator
    def validate_commit(self, inp: CommitInput) -> None:
        m = guards.commit(self._view(), inp.actor, workflow.now(), inp.matter, self._legal)
        if inp.letter_sha256 and inp.letter_sha256 != m.letter_sha256:
            raise conflict("承诺书版本与告知的版本不一致，请阅读最新告知承诺书后再承诺")
        if inp.actor.role == Role.caseworker and not (inp.signature == "paper" and inp.scan_sha256):
            raise forbidden("承办人只能录入申请人在窗口书面签署的承诺书（signature=paper，附扫描件摘要），不得代为承诺")
        if inp.actor.role == Role.applicant and inp.signature != "online":
            raise conflict("书面承诺书须由承办人在窗口录入")

    @workflow.update
    async def submit_proof(self, inp: ProofInput) -> ApplicationView:
        m = self.case.matter(inp.matter)
        m.mode = MatterMode.proof
        m.proof_sha256 = _sha256(inp.document)
        self._by(inp.actor, "proof", say.proof_submitted(m.name, inp.document))
        self._mutated()
        return await self._changed()

    @submit_proof.validator
    def validate_submit_proof(self, inp: ProofInput) -> None:
        guards.proof(self._view(), inp.actor, workflow.now(), inp.matter)

    @workflow.update
    async def withdraw_commitment(self, inp: WithdrawInput) -> ApplicationView:
        m = self.case.matter(inp.matter)
        m.mode = MatterMode.proof
        m.withdrawn_reason = inp.reason
        m.commitment_sha256 = None
        m.verification = V.none
        self._by(inp.actor, "withdraw", say.withdrawn(m.name, inp.reason))
        self._mutated()
        return await self._changed()

    @withdraw_commitment.validator
    def validate_withdraw_commitment(self, inp: WithdrawInput) -> None:
        guards.withdraw(self._view(), inp.actor, workflow.now(), inp.matter)
