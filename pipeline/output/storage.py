"""The output folder as a local path or any fsspec URL the workers can reach (`s3://bucket/extracted`,
a shared mount): small files written atomically, a notice's folder published and checked.

A local folder is swapped into place by a rename (write.py). A store without renames (S3) gets
copy-then-commit: the notice's `datapackage.json`, which lists every other file with its size and
sha256, is removed first and uploaded last, so it is the completion marker: a folder without it,
or whose files do not match it, is unfinished."""
from __future__ import annotations

import json
import posixpath
import uuid
from pathlib import Path

COMMIT = "datapackage.json"


def is_remote(out_dir: str | Path) -> bool:
    return "://" in str(out_dir) and not str(out_dir).startswith("file://")


def _fs(out_dir: str | Path):
    from fsspec.core import url_to_fs
    return url_to_fs(str(out_dir))


def read_bytes(out_dir: str | Path, name: str) -> bytes | None:
    fs, root = _fs(out_dir)
    path = posixpath.join(root, name)
    return fs.cat_file(path) if fs.exists(path) else None


def write_bytes(out_dir: str | Path, name: str, raw: bytes) -> None:
    """Write under a temporary name, then rename (a single PUT, atomic by itself, on object stores)."""
    fs, root = _fs(out_dir)
    fs.makedirs(root, exist_ok=True)
    final = posixpath.join(root, name)
    tmp = posixpath.join(root, f".{name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        fs.pipe_file(tmp, raw)
        fs.mv(tmp, final)
    finally:
        if fs.exists(tmp):
            fs.rm_file(tmp)


def intact(out_dir: str | Path, notice_id: str) -> bool:
    """The notice's folder holds every file its datapackage.json lists, each of the listed size."""
    fs, root = _fs(out_dir)
    folder = posixpath.join(root, notice_id)
    try:
        sizes = {posixpath.basename(f["name"]): f["size"] for f in fs.ls(folder, detail=True)}
        package = json.loads(fs.cat_file(posixpath.join(folder, COMMIT)))
    except (FileNotFoundError, ValueError):
        return False
    return all(sizes.get(r["path"]) == r["bytes"] for r in package["resources"])


def publish(staging: Path, out_dir: str, notice_id: str) -> None:
    """Copy a notice's finished local folder to a remote store: the commit file out first and in
    last, files of an earlier run that are no longer written removed."""
    fs, root = _fs(out_dir)
    folder = posixpath.join(root, notice_id)
    commit = posixpath.join(folder, COMMIT)
    if fs.exists(commit):
        fs.rm_file(commit)
    names = sorted(p.name for p in staging.iterdir() if p.name != COMMIT)
    for name in names:
        fs.put_file(str(staging / name), posixpath.join(folder, name))
    if fs.exists(folder):
        stale = [f for f in fs.ls(folder, detail=False) if posixpath.basename(f) not in (*names, COMMIT)]
        for f in stale:
            fs.rm_file(f)
    fs.put_file(str(staging / COMMIT), commit)
