"""The baseline workflow of `make bench`: the same number of Updates, nothing done with them."""

from __future__ import annotations

from temporalio import workflow

STEPS = 6


@workflow.defn
class BareWorkflow:
    """The baseline: six Updates, nothing done with them."""

    def __init__(self) -> None:
        self._steps = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self._steps >= STEPS - 1)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._steps

    @workflow.update
    async def step(self, n: int) -> int:
        self._steps += 1
        return n
