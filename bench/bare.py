"""The baseline of `make bench`: a workflow that takes as many Updates as a Chengnuo life has
interactions (the first one together with the start) and does nothing with them.

`python -m bench.bare ADDRESS TASK_QUEUE` runs its worker in a process of its own, as
Chengnuo's worker runs in its own.
"""

from __future__ import annotations

import asyncio
import sys

from temporalio import workflow

STEPS = 12  # bench.load.LIFE_LENGTH: bench.lifecycle refuses to compare lives of different lengths


@workflow.defn
class BareWorkflow:
    """The baseline: a life's Updates, nothing done with them."""

    def __init__(self) -> None:
        self._steps = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self._steps >= STEPS)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._steps

    @workflow.update
    async def step(self, n: int) -> int:
        self._steps += 1
        return n


async def serve(address: str, task_queue: str) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from workflows import DATA_CONVERTER

    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    async with Worker(client, task_queue=task_queue, workflows=[BareWorkflow]):
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
