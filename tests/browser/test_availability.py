"""CI must not pass with the browser journey silently skipped: with REQUIRE_BROWSER=1 (set
by .ci/run) a missing Chromium or Playwright fails the browser tests instead."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def _run_journey(tmp_path, **env):
    # The child pytest gets its own SQLite database: on PostgreSQL it would otherwise try to
    # create and drop the test database that this run is using.
    database = f"sqlite:///{tmp_path / 'child.sqlite3'}"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-q",
            "-rA",
            "tests/browser/test_journey.py",
        ],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": database,
            "CHROMIUM_PATH": "/nonexistent/chromium",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_fails_the_journey_without_chromium_when_the_browser_is_required(tmp_path):
    result = _run_journey(tmp_path, REQUIRE_BROWSER="1")
    assert result.returncode == 1, result.stdout[-2000:]
    # Failed in its fixture: pytest counts it as an error, which fails the run all the same.
    assert "1 error" in result.stdout or "1 failed" in result.stdout, result.stdout[-2000:]
    assert "skipped" not in result.stdout
    assert "REQUIRE_BROWSER" in result.stdout


def test_it_skips_the_journey_without_chromium_on_a_developers_machine(tmp_path):
    result = _run_journey(tmp_path, REQUIRE_BROWSER="0")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 skipped" in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize("required", ["1", "0"])
def test_it_treats_missing_playwright_like_missing_chromium(monkeypatch, required):
    from tests.browser import availability

    monkeypatch.setenv("REQUIRE_BROWSER", required)
    monkeypatch.setattr(availability, "playwright_installed", lambda: False)
    outcome = pytest.fail.Exception if required == "1" else pytest.skip.Exception
    with pytest.raises(outcome, match="Playwright"):
        availability.require_browser("/usr/bin/true")


def test_ci_and_the_makefile_require_the_browser():
    root = settings.BASE_DIR
    assert "export REQUIRE_BROWSER=1" in (root / ".ci/run").read_text()
    assert "REQUIRE_BROWSER=$(REQUIRE_BROWSER)" in (root / "Makefile").read_text()
