"""Settings, read once from the environment (and .env). Never imported by workflow code."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows import TASK_QUEUE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    database_url: str = Field("sqlite:///./data/chengnuo.db", description="Read model; PostgreSQL by postgresql://…")
    temporal_address: str = Field("127.0.0.1:7233", description="Temporal frontend host:port")
    temporal_namespace: str = Field("default", description="Temporal namespace")
    task_queue: str = Field(TASK_QUEUE, description="Task queue of the application workflows")
    chengnuo_env: str = Field("development", description="development | production")
    sampling_probability: float = Field(
        0.3, ge=0, le=1, description="Chance that a clean-credit applicant's matter is drawn for verification"
    )
    api_tokens: dict[str, str] = Field(
        default_factory=dict, description='Production tokens as JSON: {"token": "role:actor-id"}'
    )

    @property
    def dev_tokens_enabled(self) -> bool:
        """The `dev-<role>` tokens exist only in development; production turns them off."""
        return self.chengnuo_env == "development"


@lru_cache
def get_settings() -> Settings:
    return Settings()
