from __future__ import annotations

from pathlib import Path

import pytest

from housescan.config import Settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        agents_provider="null",
        job_backoff_seconds=0.05,
        sweep_interval_seconds=3600,
        web_dir=tmp_path / "no-web",
    )
