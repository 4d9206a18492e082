"""CatalogueRevisionWorkflow: one revision of the catalogue (清单调整), from draft to publication.

A department's catalogue officer drafts changes of its own entries (add, change — also to
exclude a matter from commitment, with the reason — or retire) → 上报 (submit) → 审定 by the
legal-affairs bureau (approve, or send back to the draft with comments per entry) → 备案 (file)
→ 公布 (publish: the catalogue changes and a numbered version is written, in one transaction).
A draft may be withdrawn. Every step is recorded with its actor and workflow time.

Steps are Updates whose validators refuse wrong roles, departments and states before anything
reaches history (workflows/revision_rules.py). Query: state. Workflow id:
`catalogue-revision-<revision id>`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.revisions import RevisionActivities
    from catalogue.checks import change_problems, describe
    from workflows.catalogue_types import (
        ChangeProblem,
        CheckChangesInput,
        EditRevisionInput,
        EntryChange,
        PublishInput,
        ReviewInput,
        RevisionStatus as R,
        RevisionStep,
        RevisionStepInput,
        RevisionView,
        StartRevisionInput,
    )
    from workflows.revision_rules import FINAL, STEP_LABELS, check_step, invalid
    from workflows.rules import conflict
    from workflows.types import Actor

ACTIVITY_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class CatalogueRevisionWorkflow:
    @workflow.init
    def __init__(self, inp: StartRevisionInput) -> None:
        self._v = RevisionView(
            revision_id=inp.revision_id,
            department=inp.department,
            status=R.draft,
            created_by=inp.created_by.id,
            created_at=workflow.now(),
            changes=list(inp.changes),
            source=inp.source,
        )
        self._lock = asyncio.Lock()  # one step at a time: each rechecks the state it found
        self._created = False

    @workflow.run
    async def run(self, inp: StartRevisionInput) -> str:
        self._step(inp.created_by, "create", inp.note or f"起草清单调整，共{len(inp.changes)}项")
        await self._project()
        self._created = True
        await workflow.wait_condition(lambda: self._v.status in FINAL and workflow.all_handlers_finished())
        return self._v.status.value

    # ---- updates -------------------------------------------------------------------------

    @workflow.update
    async def created(self) -> RevisionView:
        """The revision once its draft is recorded (for the creating POST)."""
        await workflow.wait_condition(lambda: self._created)
        return self._v

    @workflow.update
    async def edit(self, inp: EditRevisionInput) -> RevisionView:
        """Replace the draft's changes (checked against the catalogue as it stands)."""
        async with self._lock:
            self._recheck("edit", inp.actor)
            await self._check_against_catalogue(inp.changes)
            self._v.changes = list(inp.changes)
            self._step(inp.actor, "edit", f"修改调整内容，共{len(inp.changes)}项")
            await self._project()
        return self._v

    @edit.validator
    def validate_edit(self, inp: EditRevisionInput) -> None:
        check_step("edit", inp.actor, self._v.status, self._v.department)
        self._check_by_themselves(inp.changes)

    @workflow.update
    async def submit(self, inp: RevisionStepInput) -> RevisionView:
        """上报: the draft goes to the legal-affairs bureau for review."""
        async with self._lock:
            self._recheck("submit", inp.actor)
            await self._check_against_catalogue(self._v.changes)
            self._v.status = R.submitted
            self._step(inp.actor, "submit", inp.note or f"上报司法行政部门审定，共{len(self._v.changes)}项")
            await self._project()
        return self._v

    @submit.validator
    def validate_submit(self, inp: RevisionStepInput) -> None:
        check_step("submit", inp.actor, self._v.status, self._v.department)
        if not self._v.changes:
            raise conflict("清单调整没有任何内容，不能上报")
        self._check_by_themselves(self._v.changes)

    @workflow.update
    async def review(self, inp: ReviewInput) -> RevisionView:
        """审定: approved, or back to the draft with the bureau's comments per entry."""
        async with self._lock:
            self._recheck("review", inp.actor)
            if inp.approve:
                self._v.status = R.approved
                self._v.comments = []
                self._step(inp.actor, "approve", inp.note or "审定通过")
            else:
                self._v.status = R.draft
                self._v.comments = list(inp.comments)
                listed = "；".join(f"{c.code}：{c.comment}" for c in inp.comments)
                self._step(inp.actor, "send_back", "；".join(t for t in (inp.note, listed) if t), inp)
            await self._project()
        return self._v

    @review.validator
    def validate_review(self, inp: ReviewInput) -> None:
        check_step("review", inp.actor, self._v.status, self._v.department)
        if inp.approve:
            return
        if not inp.comments and not inp.note.strip():
            raise invalid("退回修改须写明审定意见（逐项意见或总体意见）")
        codes = {c.code for c in self._v.changes}
        for c in inp.comments:
            if c.code not in codes:
                raise invalid(f"审定意见所指事项 {c.code} 不在本次清单调整中")
            if not c.comment.strip():
                raise invalid(f"事项 {c.code} 的审定意见不能为空")

    @workflow.update
    async def file(self, inp: RevisionStepInput) -> RevisionView:
        """备案: the reviewed revision is filed."""
        async with self._lock:
            self._recheck("file", inp.actor)
            self._v.status = R.filed
            self._step(inp.actor, "file", inp.note or "已备案")
            await self._project()
        return self._v

    @file.validator
    def validate_file(self, inp: RevisionStepInput) -> None:
        check_step("file", inp.actor, self._v.status, self._v.department)

    @workflow.update
    async def publish(self, inp: RevisionStepInput) -> RevisionView:
        """公布: the catalogue changes and its new version is written, in one transaction."""
        async with self._lock:
            self._recheck("publish", inp.actor)
            try:
                number: int = await self._call(
                    RevisionActivities.publish_revision,
                    PublishInput(self._v.revision_id, self._v.department, self._v.changes, inp.actor.id, workflow.now()),
                )
            except ActivityError as err:  # the catalogue moved on since the review: stays filed
                if isinstance(err.cause, ApplicationError) and err.cause.type == "Conflict":
                    raise conflict(err.cause.message) from None
                raise
            self._v.status, self._v.published_version = R.published, number
            self._step(inp.actor, "publish", inp.note or f"向社会公布，清单第{number}版")
            await self._project()
        return self._v

    @publish.validator
    def validate_publish(self, inp: RevisionStepInput) -> None:
        check_step("publish", inp.actor, self._v.status, self._v.department)

    @workflow.update
    async def withdraw(self, inp: RevisionStepInput) -> RevisionView:
        """The department withdraws its draft; it is never published."""
        async with self._lock:
            self._recheck("withdraw", inp.actor)
            self._v.status = R.withdrawn
            self._step(inp.actor, "withdraw", inp.note or "撤回清单调整草案")
            await self._project()
        return self._v

    @withdraw.validator
    def validate_withdraw(self, inp: RevisionStepInput) -> None:
        check_step("withdraw", inp.actor, self._v.status, self._v.department)

    @workflow.query
    def state(self) -> RevisionView:
        return self._v

    # ---- helpers ---------------------------------------------------------------------------

    def _recheck(self, step: str, actor: Actor) -> None:
        """The validator's rule again, once the lock is held: a step validated alongside another
        that has since moved the revision on is refused (rare: two clicks at the same moment)."""
        check_step(step, actor, self._v.status, self._v.department)

    def _check_by_themselves(self, changes: list[EntryChange]) -> None:
        problems = change_problems(changes, self._v.department)
        if problems:
            raise invalid(describe(problems), problems)

    async def _check_against_catalogue(self, changes: list[EntryChange]) -> None:
        problems: list[ChangeProblem] = await self._call(
            RevisionActivities.check_changes, CheckChangesInput(self._v.department, changes)
        )
        if problems:
            raise invalid(describe(problems), problems)

    def _step(self, actor: Actor, action: str, note: str = "", review: ReviewInput | None = None) -> None:
        self._v.steps.append(
            RevisionStep(
                action=action,
                label=STEP_LABELS[action],
                actor_id=actor.id,
                role=actor.role.value,
                at=workflow.now(),
                note=note,
                comments=list(review.comments) if review else [],
            )
        )

    async def _project(self) -> None:
        await self._call(RevisionActivities.project_revision, self._v)

    @staticmethod
    async def _call(fn: Callable[..., Any], arg: Any) -> Any:
        return await workflow.execute_activity_method(fn, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=RETRY)
