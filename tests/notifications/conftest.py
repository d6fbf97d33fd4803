from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from housescan.config import Settings
from tests.notifications.support import MailCatcher, PushService


@pytest.fixture
def mail_catcher() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    service = PushService()
    await service.start()
    yield service
    await service.stop()


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
        mail_from="HouseScan <reports@housescan.test>",
        public_url="https://housescan.test",
        push_allow_insecure_endpoints=True,
    )
