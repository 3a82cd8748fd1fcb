"""The bytes of a resumable upload received so far, kept on the configured media storage so
that any web process, and one started after a crash, can go on from them.

- Local storage (FileSystemStorage): one file, `u<owner>/uploads/<id>-<random>.part` under
  MEDIA_ROOT, written in place at the offset. Bytes past the offset the row holds (a PATCH
  cut off before its checkpoint) are cut away when the next PATCH starts.
- S3: an S3 multipart upload. Whole parts of PART_SIZE are sent as they fill; the bytes
  past the last whole part (a PATCH may bring a single byte, and S3 parts but the last
  must be 5 MB or more) go into a small "tail" object, written under a new name at each
  checkpoint so the row always names a tail that matches its offset. At the end the tail
  is the last part and the multipart upload is completed. Nothing is kept on the web
  host's disk while the upload runs; memory holds at most one part.

Writers stream: `write()` takes what the request body gives, a chunk at a time.
"""

import contextlib
import logging
import os
import secrets
import shutil
import tempfile

from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages

log = logging.getLogger(__name__)

# S3 parts (and the local checkpoint interval): S3 wants 5 MiB at least but for the last.
PART_SIZE = 8 * 1024 * 1024


def _storage():
    # The instance behind the default_storage proxy (the proxy hides its class).
    return storages["default"]


def backend() -> str:
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        return "local"
    if hasattr(storage, "bucket_name") and hasattr(storage, "connection"):
        return "s3"
    raise ImproperlyConfigured(
        f"Resumable uploads need local or S3 storage, not {storage.__class__.__name__}."
    )


class PartialFile(File):
    """The finished bytes as a file on local disk, for the ingest: `temporary_file_path()`
    lets the probe open it by name and lets local storage move it into place."""

    def __init__(self, path: str, name: str):
        super().__init__(open(path, "rb"), name=name)  # noqa: SIM115 - closed by close()
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


# --- Local ------------------------------------------------------------------------------


class LocalWriter:
    def __init__(self, upload):
        self.path = _storage().path(upload.storage_name)
        self.file = open(self.path, "r+b")  # noqa: SIM115 - closed by close()
        self.file.seek(upload.offset)
        self.file.truncate()
        self.offset = upload.offset
        self._since_checkpoint = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.offset += len(data)
        self._since_checkpoint += len(data)

    def wants_checkpoint(self) -> bool:
        return self._since_checkpoint >= PART_SIZE

    def checkpoint(self) -> dict:
        # In the operating system's hands: a killed process loses nothing written so far.
        self.file.flush()
        self._since_checkpoint = 0
        return {"offset": self.offset}

    def committed(self) -> None:
        pass

    def discard(self) -> None:
        pass  # cut away by the next writer (truncate at the row's offset)

    def close(self) -> None:
        self.file.close()


class LocalStore:
    name = "local"

    def start(self, upload) -> None:
        upload.storage_name = f"u{upload.owner_id}/uploads/{upload.pk}-{secrets.token_hex(8)}.part"
        path = _storage().path(upload.storage_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").close()

    def writer(self, upload) -> LocalWriter:
        return LocalWriter(upload)

    @contextlib.contextmanager
    def complete(self, upload, name: str):
        partial = PartialFile(_storage().path(upload.storage_name), name)
        try:
            yield partial
        finally:
            partial.close()

    def delete(self, upload) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(_storage().path(upload.storage_name))


# --- S3 ---------------------------------------------------------------------------------


class S3Writer:
    def __init__(self, store, upload):
        self.store = store
        self.upload = upload
        self.parts = list(upload.parts)
        self.buffer = bytearray(store.read(upload.tail_name) if upload.tail_name else b"")
        self.base = len(self.parts) * PART_SIZE
        if self.base + len(self.buffer) != upload.offset:
            raise RuntimeError(f"upload {upload.pk}: its parts and tail do not match its offset")
        self.committed_tail = upload.tail_name
        self.pending_tail = upload.tail_name
        self.written_tails: list[str] = []
        self._flushed = False

    @property
    def offset(self) -> int:
        return self.base + len(self.buffer)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            take = PART_SIZE - len(self.buffer)
            self.buffer += view[:take]
            view = view[take:]
            if len(self.buffer) == PART_SIZE:
                self._send_part()

    def _send_part(self) -> None:
        number = len(self.parts) + 1
        etag = self.store.upload_part(self.upload, number, bytes(self.buffer))
        self.parts.append(etag)
        self.base += len(self.buffer)
        self.buffer.clear()
        self._flushed = True

    def wants_checkpoint(self) -> bool:
        # Right after a part: nothing in the tail, so the checkpoint writes no object.
        return self._flushed and not self.buffer

    def checkpoint(self) -> dict:
        self._flushed = False
        if self.buffer:
            self.pending_tail = f"{self.upload.storage_name}.tail-{secrets.token_hex(6)}"
            self.store.write(self.pending_tail, bytes(self.buffer))
            self.written_tails.append(self.pending_tail)
        else:
            self.pending_tail = ""
        return {"offset": self.offset, "parts": list(self.parts), "tail_name": self.pending_tail}

    def committed(self) -> None:
        # The row names pending_tail now: every other tail is garbage.
        old = [t for t in [self.committed_tail, *self.written_tails] if t != self.pending_tail]
        self.store.delete_names(old)
        self.committed_tail = self.pending_tail
        self.written_tails = []

    def discard(self) -> None:
        self.store.delete_names(t for t in self.written_tails if t != self.committed_tail)
        self.written_tails = []

    def close(self) -> None:
        self.buffer = bytearray()


class S3Store:
    name = "s3"

    @property
    def storage(self):
        return _storage()

    @property
    def client(self):
        return self.storage.connection.meta.client

    def key(self, name: str) -> str:
        return self.storage._normalize_name(name)

    def start(self, upload) -> None:
        upload.storage_name = f"u{upload.owner_id}/uploads/{upload.pk}-{secrets.token_hex(8)}"
        response = self.client.create_multipart_upload(
            Bucket=self.storage.bucket_name,
            Key=self.key(upload.storage_name),
            ACL="private",
            ContentType="application/octet-stream",
        )
        upload.s3_upload_id = response["UploadId"]

    def writer(self, upload) -> S3Writer:
        return S3Writer(self, upload)

    def upload_part(self, upload, number: int, data: bytes) -> str:
        response = self.client.upload_part(
            Bucket=self.storage.bucket_name,
            Key=self.key(upload.storage_name),
            UploadId=upload.s3_upload_id,
            PartNumber=number,
            Body=data,
        )
        return response["ETag"]

    def read(self, name: str) -> bytes:
        response = self.client.get_object(Bucket=self.storage.bucket_name, Key=self.key(name))
        return response["Body"].read()

    def write(self, name: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.storage.bucket_name, Key=self.key(name), Body=data, ACL="private"
        )

    def delete_names(self, names) -> None:
        for name in names:
            if not name:
                continue
            try:
                self.client.delete_object(Bucket=self.storage.bucket_name, Key=self.key(name))
            except Exception:  # a leftover tail is removed with the upload's folder
                log.exception("Could not delete %s", name)

    @contextlib.contextmanager
    def complete(self, upload, name: str):
        """Complete the multipart upload (the tail is its last part), then hand the ingest
        a local copy: the probe reads the video by path, the hash reads every byte."""
        parts = list(upload.parts)
        bucket, key = self.storage.bucket_name, self.key(upload.storage_name)
        try:
            if upload.tail_name or not parts:
                tail = self.read(upload.tail_name) if upload.tail_name else b""
                parts.append(self.upload_part(upload, len(parts) + 1, tail))
            self.client.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload.s3_upload_id,
                MultipartUpload={
                    "Parts": [{"ETag": etag, "PartNumber": i} for i, etag in enumerate(parts, 1)]
                },
            )
        except ClientError:
            # A finish cut off after S3 completed the upload (the process died before the
            # ingest ended): the row still names the upload id, which S3 no longer knows
            # (NoSuchUpload on S3; other servers answer otherwise), and the object, which
            # only the completion writes, is whole. The retry goes on from the object.
            if not self._exists(key):
                raise
        upload.s3_upload_id = ""
        fd, path = tempfile.mkstemp(prefix="camroll-upload-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
                shutil.copyfileobj(body, out, 1024 * 1024)
            partial = PartialFile(path, name)
            try:
                yield partial
            finally:
                partial.close()
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)

    def _exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.storage.bucket_name, Key=key)
        except ClientError:
            return False
        return True

    def delete(self, upload) -> None:
        if upload.s3_upload_id:
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.storage.bucket_name,
                    Key=self.key(upload.storage_name),
                    UploadId=upload.s3_upload_id,
                )
            except Exception:
                log.exception("Could not abort the multipart upload of upload %s", upload.pk)
        self.delete_names([upload.storage_name, upload.tail_name])
        # Tails written by a PATCH that died before its checkpoint.
        try:
            _dirs, files = self.storage.listdir(os.path.dirname(upload.storage_name))
        except Exception:
            return
        base = os.path.basename(upload.storage_name)
        folder = os.path.dirname(upload.storage_name)
        self.delete_names(f"{folder}/{f}" for f in files if f.startswith(f"{base}.tail-"))


def store_for(upload=None):
    name = upload.backend if upload is not None else backend()
    if name == "local":
        return LocalStore()
    if name == "s3":
        return S3Store()
    raise ImproperlyConfigured(f"Unknown upload backend {name!r}")
