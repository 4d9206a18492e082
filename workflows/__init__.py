"""Deterministic workflow code: the application workflow and its types and rules."""

TASK_QUEUE = "chengnuo"
