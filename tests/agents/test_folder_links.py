"""The folder scan reads a photo that is a link to a file elsewhere; the agents service's paths still may not
leave the store, through a link or otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.agents.test_pipeline import ScriptedProvider
from tests.helpers import photo

from housescan.agents.client import AgentsError
from housescan.agents.folder import folder_request
from housescan.agents.images import ImageLoader
from housescan.agents.pipeline import run_pipeline


def _home_with_a_linked_photo(tmp_path: Path) -> tuple[Path, Path]:
    elsewhere = tmp_path / "camera-roll"
    elsewhere.mkdir()
    (elsewhere / "oven.jpg").write_bytes(photo((200, 30, 30)))
    kitchen = tmp_path / "home" / "kitchen"
    kitchen.mkdir(parents=True)
    (kitchen / "sink.jpg").write_bytes(photo((30, 30, 200)))
    link = kitchen / "oven.jpg"
    link.symlink_to(elsewhere / "oven.jpg")
    return tmp_path / "home", link


async def test_a_folder_scan_reads_a_photo_linked_from_elsewhere(tmp_path: Path) -> None:
    home, _ = _home_with_a_linked_photo(tmp_path)
    request = folder_request(home)
    assert [len(room.image_urls) for room in request.rooms] == [2]
    loader = ImageLoader(local_roots=[home], follow_links=True)
    response = await run_pipeline(request, provider=ScriptedProvider(), loader=loader)
    (kitchen,) = response.result.rooms
    assert kitchen.status == "succeeded", kitchen.error
    assert response.metadata.total_images == 2


async def test_links_are_not_followed_out_of_the_store_nor_to_what_is_not_a_file(tmp_path: Path) -> None:
    home, link = _home_with_a_linked_photo(tmp_path)
    with pytest.raises(AgentsError, match="outside the allowed folders"):
        await ImageLoader(local_roots=[home]).load(link.as_uri())  # the agents service's loader

    following = ImageLoader(local_roots=[home], follow_links=True)
    (home / "kitchen" / "zero.jpg").symlink_to(os.devnull)
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(photo())
    for url in (
        (home / "kitchen" / "zero.jpg").as_uri(),  # a device, not a photo
        f"file://{home}/kitchen/../../secret.jpg",  # named outside the folder
        secret.as_uri(),
    ):
        with pytest.raises(AgentsError, match="outside the allowed folders"):
            await following.load(url)
    assert await following.load(link.as_uri()) == (tmp_path / "camera-roll" / "oven.jpg").read_bytes()
