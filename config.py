"""Settings, read once from the environment (and .env). Never imported by workflow code."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows import TASK_QUEUE


class Settings(BaseSettings):
    # secrets from files (compose `secrets:`): CHENGNUO_SECRETS_DIR=/run/secrets reads a setting
    # from the file of its name (database_url, payload_keys, pseudonym_key); the environment wins
    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", secrets_dir=os.environ.get("CHENGNUO_SECRETS_DIR") or None
    )

    database_url: str = Field("sqlite:///./data/chengnuo.db", description="Read model; PostgreSQL by postgresql://…")
    temporal_address: str = Field("127.0.0.1:7233", description="Temporal frontend host:port")
    temporal_namespace: str = Field("default", description="Temporal namespace")
    temporal_retention_days: int = Field(
        3653,
        ge=1,
        description="Days Temporal keeps a closed case's history, the audit record (ten years with their leap days); "
        "set on the namespace by `chengnuo namespace setup`, the prestart step of `make run` and compose",
    )
    archive_dir: str = Field(
        "data/archive",
        description="The archive of closed cases' histories (a folder each, read-only once written; "
        "docs/OPERATIONS.md: on write-once storage); served when Temporal no longer has a case",
    )
    worker_graceful_seconds: float = Field(
        10,
        ge=0,
        description="On stop, how long a worker lets running activities finish before cancelling them (within "
        "compose's stop_grace_period of 30 s and `make run`'s 12 s)",
    )
    worker_metrics_address: str = Field(
        "127.0.0.1:9464",
        description="Where each worker serves its Prometheus metrics (the Temporal SDK's: workflow tasks, "
        "failures incl. non-determinism, activities, polls); empty: none",
    )
    archive_every_minutes: int = Field(60, ge=1, description="How often the archive Schedule exports the cases closed since")
    task_queue: str = Field(TASK_QUEUE, description="Task queue of the application workflows")
    workflow_cache_size: int = Field(
        1000,
        ge=0,
        description="Open cases the worker keeps in memory (Temporal's sticky cache, about 0.25 MB each); a case "
        "evicted from it is replayed from its history when it next acts",
    )
    chengnuo_env: str = Field("development", description="development | production")
    sampling_probability: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Unset: the credit office's rules give the chance of verification by grade and risk level. "
        "Set (1 for a demonstration or a test): every matter is drawn with this chance instead, and the timeline says so",
    )
    db_pool_size: int = Field(10, ge=1, description="Connections each process (API, worker) keeps open to the read model")
    db_max_overflow: int = Field(10, ge=0, description="Extra connections a process may open under load, beyond db_pool_size")
    db_pool_timeout: float = Field(
        5, gt=0, description="Seconds a request waits for a free connection before the API answers 503 with Retry-After"
    )
    api_max_inflight: int = Field(
        256, ge=1, description="Temporal calls (Updates, starts) the API keeps in flight at once; more wait in line"
    )
    api_queue_timeout: float = Field(
        2, gt=0, description="Seconds a request waits in that line before the API answers 503 with Retry-After"
    )
    update_timeout: float = Field(
        30, gt=0, description="Seconds the API waits for a workflow's answer before 504 (the action may still take effect)"
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1, description="Largest request body the API reads; a larger one is refused with 413 before it is read"
    )
    complaint_rate_per_case: str = Field(
        "10/600",
        pattern=r"^\d+/[1-9]\d*$",
        description="Tokenless complaints one case takes, as count/seconds (10 per 10 minutes); more answer 429; 0/… turns it off",
    )
    complaint_rate_per_source: str = Field(
        "5/60",
        pattern=r"^\d+/[1-9]\d*$",
        description="Tokenless complaints one client IP may send, as count/seconds (5 a minute); more answer 429; 0/… turns it off",
    )
    trusted_proxy: bool = Field(
        False, description="Behind a reverse proxy: the client is the first X-Forwarded-For hop, not the connecting address"
    )
    payload_keys: dict[str, str] = Field(
        default_factory=dict,
        description='Payload encryption keys as JSON, oldest first: {"key-id": "<base64 of 32 bytes>"}; the newest encrypts',
    )
    payload_key_file: str = Field(
        "./data/payload-keys.json", description="Where the keys are kept when PAYLOAD_KEYS is empty (made in development)"
    )
    pseudonym_key: str = Field("", description="Base64 of 32 bytes: the key of applicants' pseudonyms in Temporal; never rotated")
    pseudonym_key_file: str = Field(
        "./data/pseudonym-key", description="Where the pseudonym key is kept when PSEUDONYM_KEY is empty (made in development)"
    )
    credit_platform_url: str = Field(
        "",
        description="Where credit events are POSTed (the credit platform); empty: nothing is pushed, `chengnuo credit export` writes them to a file",
    )
    credit_platform_token: str = Field("", description="Bearer token for the credit platform, if it asks for one")
    credit_platform_batch: int = Field(50, ge=1, le=1000, description="Credit events one delivery round POSTs, oldest first")
    credit_platform_timeout: float = Field(30, gt=0, le=600, description="Seconds one POST to the credit platform may take")
    codec_cors_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8233", "http://localhost:8233"],
        description="Origins of the Temporal Web UI allowed to call the codec server",
    )

    @property
    def production(self) -> bool:
        return self.chengnuo_env == "production"

    @property
    def dev_tokens_enabled(self) -> bool:
        """The `dev-<role>` tokens exist only in development; production turns them off."""
        return self.chengnuo_env == "development"


@lru_cache
def get_settings() -> Settings:
    return Settings()
