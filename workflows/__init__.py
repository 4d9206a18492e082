"""Deterministic workflow code: the application workflow and its types and rules."""

from workflows.payloads import DATA_CONVERTER

TASK_QUEUE = "chengnuo"

__all__ = ["DATA_CONVERTER", "TASK_QUEUE"]
