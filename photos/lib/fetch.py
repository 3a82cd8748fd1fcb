"""Download one file over HTTP(S): resumable, checksummed, written atomically.

The bytes go to `<dest>.part` next to the destination. An interrupted transfer leaves that
file, and the next call asks the server for the rest (a `Range` request); a server that
answers with the whole file instead restarts it from zero. Only a file whose SHA-256
matches the expected value is renamed to `dest`, so nothing that looks like a model ever
holds half a download or the wrong bytes. No Django here.
"""

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 16

Progress = Callable[[int, int | None], None]  # bytes so far, total bytes (None: unknown)


class FetchError(Exception):
    """The file could not be fetched or did not match; the message says why in one line."""


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open(url: str, offset: int, timeout: float):
    if not url.startswith(("https://", "http://")):
        raise FetchError(f"{url} is not an http(s) URL")
    headers = {"User-Agent": "camroll-models/1"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    # The scheme is checked above: no file:// or custom handlers.
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            return None  # the partial file is already as long as the server's: restart
        raise FetchError(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"{url} cannot be reached ({reason})") from exc


def fetch(
    url: str,
    dest: Path,
    *,
    sha256: str = "",
    progress: Progress | None = None,
    timeout: float = 30,
) -> str:
    """Fetch `url` into `dest` and return the file's SHA-256.

    With `sha256`, a file that does not match is deleted (the partial file too) and
    `FetchError` is raised; `dest` is never touched by a failed call."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    offset = part.stat().st_size if part.exists() else 0
    response = _open(url, offset, timeout)
    if response is None:
        part.unlink(missing_ok=True)
        offset = 0
        response = _open(url, 0, timeout)
    with response:
        if offset and response.status != 206:
            offset = 0  # the server ignored the Range: start the file again
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        done = offset
        try:
            with open(part, "ab" if offset else "wb") as fh:
                while chunk := response.read(CHUNK):
                    fh.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        except (http.client.IncompleteRead, OSError) as exc:
            raise FetchError(
                f"{url}: the download stopped after {done} bytes ({exc}); run again to resume"
            ) from exc
    if total is not None and done < total:
        raise FetchError(
            f"{url}: the download stopped after {done} of {total} bytes; run again to resume"
        )
    actual = sha256_of(part)
    if sha256 and actual != sha256.lower():
        part.unlink(missing_ok=True)
        raise FetchError(
            f"{url}: SHA-256 {actual} does not match the pinned {sha256}; nothing was kept"
        )
    os.replace(part, dest)  # atomic on one file system: dest is whole or absent
    return actual
