"""The framework's ceiling for the upload benchmark: FastAPI on uvicorn taking the same multipart request
into `UploadFile`s and writing each file to disk with fsync, and nothing else (no checks, no rows)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, File, Form, UploadFile

app = FastAPI()
TARGET = Path(os.environ["BARE_UPLOAD_DIR"])


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/upload")
async def upload(
    images: Annotated[list[UploadFile], File()], room_ordinal: Annotated[list[int], Form()]
) -> dict[str, int]:
    for image in images:
        data = await image.read()
        with (TARGET / f"{uuid.uuid4().hex}.jpg").open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return {"stored": len(images)}
