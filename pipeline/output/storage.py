"""The output folder as a local path or any fsspec URL the workers can reach (`s3://bucket/extracted`,
a shared mount): small files written atomically, a notice's folder published and checked.

A local folder is swapped into place by a rename (write.py). A store without renames (S3) gets
copy-then-commit: the notice's `datapackage.json`, which lists every other file with its size and
sha256, is removed first and uploaded last, so it is the completion marker: a folder without it is
unfinished, and one whose files do not match its hashes was edited or damaged since (`damage`)."""
from __future__ import annotations

import hashlib
import json
import posixpath
import uuid
from pathlib import Path

COMMIT = "datapackage.json"


def is_remote(out_dir: str | Path) -> bool:
    return "://" in str(out_dir) and not str(out_dir).startswith("file://")


class StorageError(OSError):
    """A remote store that could not be reached or refused (no server, no credentials, no bucket):
    an OSError like a local write error, so that every caller handles both as an output error."""


def _remote_errors(function):
    """`function` with what a remote store's client raises (botocore's EndpointConnectionError,
    NoCredentialsError, ClientError, aiohttp's errors …: none an OSError) raised as StorageError."""
    import functools

    @functools.wraps(function)
    def wrapped(out_dir, *args, **kwargs):
        try:
            return function(out_dir, *args, **kwargs)
        except OSError:
            raise
        except Exception as e:
            text = " ".join(str(e).split()) or type(e).__name__
            raise StorageError(f"{out_dir} cannot be used: {type(e).__name__}: {text}") from e
    return wrapped


def _fs(out_dir: str | Path):
    from fsspec.core import url_to_fs
    return url_to_fs(str(out_dir))


@_remote_errors
def read_bytes(out_dir: str | Path, name: str) -> bytes | None:
    fs, root = _fs(out_dir)
    path = posixpath.join(root, name)
    return fs.cat_file(path) if fs.exists(path) else None


@_remote_errors
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


@_remote_errors
def rename(out_dir: str | Path, name: str, new: str) -> None:
    fs, root = _fs(out_dir)
    fs.mv(posixpath.join(root, name), posixpath.join(root, new))


@_remote_errors
def damage(out_dir: str | Path, notice_id: str) -> str | None:
    """Why the notice's folder does not hold the outputs its datapackage.json lists — the commit file
    missing or unreadable, a listed file missing, or a file whose sha256 is not the one listed (edited
    or damaged, whatever its size) — naming the file; None when every listed file is there as listed."""
    fs, root = _fs(out_dir)
    folder = posixpath.join(root, notice_id)
    try:
        package = json.loads(fs.cat_file(posixpath.join(folder, COMMIT)))
        listed = [(r["path"], r["hash"]) for r in package["resources"]]
    except FileNotFoundError:
        return f"{notice_id}/{COMMIT} is missing (outputs not finished)"
    except OSError as e:
        return f"{notice_id}/{COMMIT} cannot be read: {e.strerror or e}"
    except (ValueError, KeyError, TypeError) as e:
        return f"{notice_id}/{COMMIT} is unreadable ({type(e).__name__})"
    for path, digest in listed:
        if not isinstance(path, str) or posixpath.basename(path) != path or path.startswith("."):
            return f"{notice_id}/{COMMIT} lists {path!r}, which is no file of the folder"
        try:
            raw = fs.cat_file(posixpath.join(folder, path))
        except FileNotFoundError:
            return f"{notice_id}/{path} is missing"
        except OSError as e:
            return f"{notice_id}/{path} cannot be read: {e.strerror or e}"
        if f"sha256:{hashlib.sha256(raw).hexdigest()}" != digest:
            return f"{notice_id}/{path} is not the file {COMMIT} lists (its sha256 differs: edited or damaged)"
    return None


def intact(out_dir: str | Path, notice_id: str) -> bool:
    return damage(out_dir, notice_id) is None


@_remote_errors
def publish(out_dir: str, staging: Path, notice_id: str) -> None:
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
