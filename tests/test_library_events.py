"""The library's life: renames, deletes, file deletes and several instances over one folder."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from tests.harness import MOVIES, Stack, fixture, radarr_download


def rename_body(movie: dict[str, Any], previous_path: str) -> bytes:
    """A Radarr `Rename` webhook for the movie's current file."""
    body = copy.deepcopy(fixture("radarr/webhook_rename.json"))
    body["movie"].update(id=movie["id"], title=movie["title"], year=movie["year"],
                         folderPath=movie["path"], tmdbId=movie["tmdbId"])  # fmt: skip
    renamed = body["renamedMovieFiles"][0]
    renamed.update(
        path=movie["movieFile"]["path"],
        relativePath=movie["movieFile"]["relativePath"],
        previousPath=previous_path,
    )
    return json.dumps(body).encode()


def delete_body(movie: dict[str, Any], name: str, **fields: Any) -> bytes:
    """A Radarr delete webhook (`MovieDelete` or `MovieFileDelete`) for the movie."""
    body = copy.deepcopy(fixture("radarr/webhook_movie_delete.json"))
    body["movie"].update(id=movie["id"], title=movie["title"], folderPath=movie["path"])
    body["eventType"] = name
    if name == "MovieFileDelete":
        del body["deletedFiles"], body["movieFolderSize"]
        body["movieFile"] = {"id": 1, "relativePath": "old.mkv", "path": f"{movie['path']}/old.mkv",
                             "quality": "Bluray-1080p", "qualityVersion": 1, "size": 1,
                             "indexerFlags": "0"}  # fmt: skip
    body.update(fields)
    return json.dumps(body).encode()


async def download(stack: Stack, movie: dict[str, Any], runs: int) -> Path:
    """Post a Download for the movie and wait for its run; return the movie folder."""
    assert (await stack.post("radarr", radarr_download(movie)))[0] == 202
    await stack.wait_outcomes(runs)
    return stack.local(movie["path"])


async def test_rename_moves_suffix_trailer_to_new_stem(stack: Stack) -> None:
    """`Rename` of the movie file: the trailer Trailarr wrote follows the new file stem."""
    movie = stack.add_movie(1, "Amélie", 2001)
    folder = await download(stack, movie, 1)
    old = movie["movieFile"]["path"]
    (folder / movie["movieFile"]["relativePath"]).rename(folder / "Amélie (2001) Bluray-1080p.mkv")
    stack.radarr.set_file_name(1, "Amélie (2001) Bluray-1080p.mkv")
    assert (await stack.post("radarr", rename_body(stack.radarr.media[1], old)))[0] == 202
    await stack.wait_outcomes(2)
    assert sorted(p.name for p in folder.iterdir()) == [
        "Amélie (2001) Bluray-1080p-trailer.mkv",
        "Amélie (2001) Bluray-1080p.mkv",
    ]
    [row] = await stack.rows("SELECT trailer_path, trailer_ours FROM media")
    assert row == {"trailer_path": str(folder / "Amélie (2001) Bluray-1080p-trailer.mkv"),
                   "trailer_ours": 1}  # fmt: skip
    assert stack.videos.downloads["yt00000001"] == 2  # no second download


async def test_rename_to_new_folder_takes_the_trailer_along(stack: Stack) -> None:
    """A movie moved to a new folder (the Arr moves the folder) keeps its trailer, renamed."""
    movie = stack.add_movie(2, "Moved", 2010)
    folder = await download(stack, movie, 1)
    new_folder = stack.movies_root / "Moved (2010) [Director's Cut]"
    shutil.move(folder, new_folder)
    old = movie["movieFile"]["path"]
    stack.radarr.set_path(2, f"{MOVIES}/Moved (2010) [Director's Cut]")
    assert (await stack.post("radarr", rename_body(stack.radarr.media[2], old)))[0] == 202
    await stack.wait_outcomes(2)
    stem = Path(movie["movieFile"]["relativePath"]).stem
    assert sorted(p.name for p in new_folder.iterdir()) == sorted(
        [movie["movieFile"]["relativePath"], f"{stem}-trailer.mkv"]
    )
    [row] = await stack.rows("SELECT state, trailer_path, trailer_ours FROM media")
    assert row == {"state": "present", "trailer_path": str(new_folder / f"{stem}-trailer.mkv"),
                   "trailer_ours": 1}  # fmt: skip


async def test_movie_delete_forgets_and_keeps_files(stack: Stack) -> None:
    """`MovieDelete` forgets the media and touches no file the user kept."""
    movie = stack.add_movie(3, "Deleted", 2011)
    folder = await download(stack, movie, 1)
    before = sorted(p.name for p in folder.iterdir())
    status, answer = await stack.post(
        "radarr", delete_body(movie, "MovieDelete", deletedFiles=False)
    )
    assert (status, answer["status"]) == (200, "recorded")
    assert await stack.rows("SELECT * FROM media") == []
    assert sorted(p.name for p in folder.iterdir()) == before
    assert await stack.runtime.queue.queue_depth() == 0


async def test_file_delete_for_upgrade_changes_nothing(stack: Stack) -> None:
    """`MovieFileDelete` with reason `upgrade` (sent before the upgrade) changes nothing."""
    movie = stack.add_movie(4, "Upgrading", 2012)
    folder = await download(stack, movie, 1)
    media_before = await stack.rows("SELECT state, trailer_path, trailer_ours FROM media")
    files_before = sorted(p.name for p in folder.iterdir())
    body = delete_body(movie, "MovieFileDelete", deleteReason="upgrade")
    status, answer = await stack.post("radarr", body)
    assert (status, answer["status"]) == (200, "recorded")
    assert await stack.rows("SELECT state, trailer_path, trailer_ours FROM media") == media_before
    assert sorted(p.name for p in folder.iterdir()) == files_before
    assert await stack.runtime.queue.queue_depth() == 0


async def test_upgrade_download_gives_no_second_trailer(stack: Stack) -> None:
    """An upgrade `Download` that keeps the file name finds the trailer in place: no download."""
    movie = stack.add_movie(5, "Same Name", 2013)
    folder = await download(stack, movie, 1)
    body = radarr_download(movie, upgrade=True)
    assert (await stack.post("radarr", body))[0] == 202
    await stack.wait_outcomes(2)
    assert len(list(folder.iterdir())) == 2
    assert stack.videos.downloads["yt00000005"] == 2
    runs = await stack.rows("SELECT outcome FROM job_runs ORDER BY id")
    assert [r["outcome"] for r in runs] == ["downloaded", "present"]


async def test_two_instances_over_one_folder_give_one_trailer(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """`radarr` and `radarr4k` over the same folders: one trailer per folder."""
    async with Stack(tmp_path, redis_url, clip, second_radarr=True) as stack:
        movie = stack.add_movie(6, "Twice", 2014)
        assert stack.radarr4k is not None
        stack.radarr4k.media[6] = copy.deepcopy(movie)
        body = radarr_download(movie)
        assert (await stack.post("radarr", body))[0] == 202
        assert (await stack.post("radarr4k", body))[0] == 202
        await stack.wait_outcomes(2)
        folder = stack.local(movie["path"])
        trailers = [p.name for p in folder.iterdir() if "-trailer." in p.name]
        assert len(trailers) == 1
        runs = await stack.rows("SELECT instance, outcome FROM job_runs ORDER BY instance")
        assert sorted(r["outcome"] for r in runs) == ["downloaded", "present"]
