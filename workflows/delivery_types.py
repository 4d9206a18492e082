"""Payloads of the credit push (CreditDeliveryWorkflow and its activity): plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryInput:
    """How the delivery workflow runs; carried unchanged across continue-as-new."""

    batch_size: int = 50
    """Events one activity takes, oldest first."""
    idle_seconds: float = 10.0
    """Sleep when the outbox is empty (a `wake` signal cuts it short)."""
    rounds_per_run: int = 500
    """Rounds before continue-as-new, so a history never grows without bound."""
    post_timeout_seconds: float = 30.0
    """The activity's HTTP timeout per POST: the heartbeat timeout is set above it."""
    first_retry_seconds: float = 1.0
    """The first back-off after a failed round; it doubles up to MAX_BACKOFF."""


@dataclass(frozen=True)
class DeliverBatch:
    batch_size: int


@dataclass(frozen=True)
class DeliveryRound:
    """What one activity did: delivered (2xx or the platform already had it), held (refused as
    malformed, offered again later), and whether a full batch was taken (more may be waiting)."""

    delivered: int
    held: int
    more: bool


@dataclass(frozen=True)
class DeliveryStatus:
    rounds: int
    delivered: int
    held: int
