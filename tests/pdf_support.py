"""Reading a rendered PDF back in tests: its words (pdftotext) and its first page's pixels (pdftoppm)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage

DPI = 100


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install the Debian package poppler-utils (make system-deps)")
    return path


def first_page(pdf: bytes, tmp_path: Path) -> np.ndarray[Any, Any]:
    (tmp_path / "report.pdf").write_bytes(pdf)
    prefix = tmp_path / "page"
    for old in tmp_path.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        [poppler("pdftoppm"), "-r", str(DPI), "-f", "1", "-l", "1", "-png", tmp_path / "report.pdf", prefix],
        check=True,
    )
    (page,) = tmp_path.glob("page-*.png")
    return np.asarray(PILImage.open(page).convert("RGB"), dtype=np.int16)


def pdf_words(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text with every run of white space as one space."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([poppler("pdftotext"), str(path), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", done.stdout)


def near(pixels: np.ndarray[Any, Any], colour: tuple[int, int, int], tolerance: int) -> np.ndarray[Any, Any]:
    close: np.ndarray[Any, Any] = (np.abs(pixels - np.array(colour, dtype=np.int16)) <= tolerance).all(axis=-1)
    return close
