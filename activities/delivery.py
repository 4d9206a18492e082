"""The push to the credit platform (信用信息推送): POST the outbox's oldest events, one by one.

Each event goes as JSON with `Idempotency-Key: <event id>` (the same key on every retry) and,
if configured, `Authorization: Bearer <CREDIT_PLATFORM_TOKEN>`. What an answer means:

- 2xx, or 409 (the platform has that key already): delivered, marked so at once;
- no answer, a timeout, 5xx, or a 4xx that says the platform or our configuration is not
  ready (401, 403, 404, 405, 407, 408, 421, 425, 429): the activity fails and Temporal retries
  it with back-off; what was delivered before it stays delivered;
- any other 4xx (400, 413, 422 …) is about this event alone: its error is kept in
  `last_error`, it is held back 1 h, 2 h, 4 h … (at most a day) and offered again after, while
  the events behind it go on.

A POST that reached the platform but whose answer was lost (the worker killed, a timeout) is
sent again with the same key: the platform stores it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from config import Settings
from credit import outbox
from db.session import SessionFactory
from workflows.delivery_types import DeliverBatch, DeliveryRound

NOT_READY = frozenset({401, 403, 404, 405, 407, 408, 421, 425, 429})


@dataclass(frozen=True)
class Platform:
    """Where events go; an empty url: nowhere (the embedded default, `chengnuo credit export`)."""

    url: str = ""
    token: str = ""
    timeout: float = 30.0

    @classmethod
    def of(cls, settings: Settings) -> Platform:
        return cls(settings.credit_platform_url, settings.credit_platform_token, settings.credit_platform_timeout)


def verdict(status: int) -> str:
    """delivered | retry | hold, for an HTTP status."""
    if 200 <= status < 300 or status == 409:
        return "delivered"
    if 400 <= status < 500 and status not in NOT_READY:
        return "hold"
    return "retry"


class DeliveryActivities:
    def __init__(self, sessions: SessionFactory, platform: Platform) -> None:
        self._sessions = sessions
        self._platform = platform

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._platform.token:
            headers["Authorization"] = f"Bearer {self._platform.token}"
        return headers

    def _post(self, http: httpx.Client, event_id: str, payload: dict[str, Any]) -> tuple[str, str | None]:
        try:
            response = http.post(self._platform.url, json=payload, headers={"Idempotency-Key": event_id})
        except httpx.HTTPError as err:
            return "retry", f"{type(err).__name__}: {err}"
        outcome = verdict(response.status_code)
        return outcome, None if outcome == "delivered" else f"HTTP {response.status_code}: {response.text[:500]}"

    @activity.defn
    def deliver_credit_events(self, inp: DeliverBatch) -> DeliveryRound:
        """POST the oldest undelivered events, marking each as its answer comes; fails (to be
        retried) at the first event the platform could not take now."""
        if not self._platform.url:
            raise ApplicationError(
                "未配置 CREDIT_PLATFORM_URL：信用事件只能以 chengnuo credit export 导出", type="NotConfigured", non_retryable=True
            )
        with self._sessions() as session:
            events = [(e.event_id, e.payload) for e in outbox.due(session, inp.batch_size, datetime.now(timezone.utc))]
        delivered = held = 0
        with httpx.Client(timeout=self._platform.timeout, headers=self._headers()) as http:
            for event_id, payload in events:
                activity.heartbeat(event_id)
                outcome, error = self._post(http, event_id, payload)
                now = datetime.now(timezone.utc)
                with self._sessions() as session:
                    if outcome == "delivered":
                        outbox.delivered(session, event_id, now)
                    else:
                        outbox.failed(session, event_id, error or "", now, hold=outcome == "hold")
                    session.commit()
                if outcome == "retry":
                    raise ApplicationError(f"信用平台暂不能接收（事件 {event_id}）：{error}", type="PlatformUnavailable")
                if outcome == "hold":
                    activity.logger.error("credit platform refused event %s, held back: %s", event_id, error)
                    held += 1
                else:
                    delivered += 1
        return DeliveryRound(delivered=delivered, held=held, more=len(events) == inp.batch_size)
