"""Whether the browser tests can run here, and what to do when they cannot: skip on a
developer's machine, fail where REQUIRE_BROWSER=1 (CI), so that a CI run without Chromium
or Playwright cannot pass with the journey silently skipped."""

import importlib.util
import os
from pathlib import Path

import pytest


def playwright_installed() -> bool:
    return importlib.util.find_spec("playwright") is not None


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in ("1", "true", "yes", "on")


def require_browser(chromium: str) -> None:
    """Return if Playwright and Chromium are here; otherwise skip or, if required, fail."""
    if not playwright_installed():
        reason = "Playwright is not installed (requirements-dev.txt)"
    elif not Path(chromium).exists():
        reason = f"Chromium not found at {chromium} (set CHROMIUM_PATH; .ci/run installs it)"
    else:
        return
    if browser_required():
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 does not allow skipping the browser tests")
    pytest.skip(reason)
