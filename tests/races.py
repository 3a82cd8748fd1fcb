"""Racing calls for real: each in its own thread, with its own database connection, and a
gate that holds a job at a chosen point (after its slow work has started, before it
stores anything) while the racing deletion runs and commits. Used with
`race` (below), on SQLite (a file: make test) and on PostgreSQL."""

import threading
from pathlib import Path

import pytest
from django.db import connection

TIMEOUT = 120


# A race test: real commits seen by every thread, the published terms of the data migration
# seeded again (a transactional test starts from a flushed database; not
# serialized_rollback, which fails after test_migrations' flush on PostgreSQL), and the
# `race` marker (make test runs these on a SQLite file). published_terms: tests/conftest.py.
def race(test):
    test = pytest.mark.usefixtures("published_terms")(test)
    return pytest.mark.race(pytest.mark.django_db(transaction=True)(test))


def fresh(user):
    """The user as another process would load it: a deletion in one thread clears the pk
    of its own instance, not of the job's."""
    return type(user).objects.get(pk=user.pk)


class Racer(threading.Thread):
    def __init__(self, fn, *args, **kwargs):
        super().__init__(daemon=True, name=getattr(fn, "__name__", "racer"))
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.result = self.error = None

    def run(self):
        try:
            self.result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # handed to the test by finish()
            self.error = exc
        finally:
            connection.close()  # this thread's own connection

    def finish(self):
        self.join(TIMEOUT)
        assert not self.is_alive(), f"{self.name} did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def start(fn, *args, **kwargs) -> Racer:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail(
            "race tests need a SQLite file (make test sets SQLITE_TEST_NAME) or PostgreSQL: "
            "threads sharing an in-memory database fail on its table locks"
        )
    racer = Racer(fn, *args, **kwargs)
    racer.start()
    return racer


class Gate:
    """`hold()` (called by the job, once) waits until the test calls `open()`; the test
    waits with `reached()` until the job is there."""

    def __init__(self, parties: int = 1):
        self._reached = threading.Semaphore(0)
        self._open = threading.Event()
        self._seen = set()
        self._lock = threading.Lock()
        self.parties = parties

    def hold(self) -> None:
        with self._lock:
            me = threading.get_ident()
            if me in self._seen:
                return  # only the first time in each thread
            self._seen.add(me)
        self._reached.release()
        assert self._open.wait(TIMEOUT), "the gate was never opened"

    def reached(self) -> None:
        for _ in range(self.parties):
            assert self._reached.acquire(timeout=TIMEOUT), "the job never reached the gate"

    def open(self) -> None:
        self._open.set()

    def meanwhile(self, racer: "Racer", fn, *args, **kwargs):
        """Once the job is at the gate, `fn` (the racing deletion) runs and commits; then
        the gate opens, whatever `fn` did, and the job finishes. The job's result."""
        self.reached()
        try:
            fn(*args, **kwargs)
        finally:
            self.open()
        return racer.finish()


def files_under(root: Path, user_id: int) -> set[str]:
    """Every file stored for a user (storage names, relative to the media root)."""
    folder = root / f"u{user_id}"
    return {str(p.relative_to(root)) for p in folder.rglob("*") if p.is_file()}


def at_once(*calls, timeout: float = 60) -> list:
    """Run each of `calls` at the same moment, one thread each (a barrier lets them go
    together), each with its own connection; their results in order, an exception in place
    of the result of a call that raised (the test asserts on it)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
