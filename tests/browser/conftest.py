"""The live server and the browser page of the journey test, for every browser test."""

from tests.browser.test_journey import browser_page, server  # noqa: F401
