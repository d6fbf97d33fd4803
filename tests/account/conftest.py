from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from housescan.config import Settings
from tests.notifications.conftest import mail_catcher, push_service
from tests.notifications.support import MailCatcher

__all__ = ["mail_catcher", "push_service"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str, mail_catcher: MailCatcher) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        agents_provider="null",
        job_backoff_seconds=0.05,
        sweep_interval_seconds=3600,
        web_dir=tmp_path / "no-web",
        smtp_url=SecretStr(mail_catcher.url),
        mail_from="HouseScan <accounts@housescan.test>",
        push_allow_insecure_endpoints=True,
    )
