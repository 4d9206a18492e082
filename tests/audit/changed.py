"""Changes to the workflow that break the cases already recorded, made on purpose (a module of
its own: the sandbox imports workflow classes by module).

UnguardedChange waits a minute before the case opens, without a `workflow.patched` guard: every
recorded history starts with other commands (a patch marker, the opening activity). The last
two are patches of workflows/application/ with their guard taken away, as docs/VERSIONING.md
tells them."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.application import ApplicationWorkflow
    from workflows.types import MatterCase, OpenApplicationInput, VerificationSchedule


@workflow.defn(name="ApplicationWorkflow")
class UnguardedChange(ApplicationWorkflow):
    @workflow.run
    async def run(self, inp: OpenApplicationInput) -> str:
        await workflow.sleep(timedelta(minutes=1))
        return await super().run(inp)


@workflow.defn(name="ApplicationWorkflow")
class NeverYields(ApplicationWorkflow):
    """A loop that never gives the event loop back: the replay must report it, not hang."""

    @workflow.run
    async def run(self, inp: OpenApplicationInput) -> str:
        while True:
            pass


@workflow.defn(name="ApplicationWorkflow")
class CloseAfterHandlersUnguarded(ApplicationWorkflow):
    """`close-after-handlers` without its patch (docs/VERSIONING.md): every case waits."""

    @workflow.run
    async def run(self, inp: OpenApplicationInput) -> str:
        return await super().run(inp)

    async def _finish(self) -> str:
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self.case.closed_at is None:
            self._close()
            await self._sync()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.case.status.value


@workflow.defn(name="ApplicationWorkflow")
class EscalationFollowsUnguarded(ApplicationWorkflow):
    """`escalation-follows-new-deadline` without its patch (docs/VERSIONING.md)."""

    @workflow.run
    async def run(self, inp: OpenApplicationInput) -> str:
        return await super().run(inp)

    @staticmethod
    def _apply(m: MatterCase, sched: VerificationSchedule, due_at: datetime) -> None:
        if m.escalated and sched.deadline_at != m.deadline_at and sched.deadline_at > workflow.now():
            m.escalated = False
        m.due_at = due_at
        m.deadline_at = sched.deadline_at
        m.provisional_deadline = sched.provisional
        m.calendar_note = sched.note
