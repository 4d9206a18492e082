"""The case workflow, split by concern; `ApplicationWorkflow` is the decorated class."""

from workflows.application.workflow import ApplicationWorkflow

__all__ = ["ApplicationWorkflow"]
