"""Fixtures for browser tests: ``lab`` (JupyterLab), ``browser``, ``page`` and ``page_guard``.

Every test using ``page`` runs behind a network guard (only loopback, ``blob:`` and ``data:``
URLs load; anything else is aborted and recorded) and collects console errors; either makes the
test fail. A screenshot of every test is saved to ``artifacts/screenshots/<test name>.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .lab import (
    ARTIFACTS,
    Lab,
    PageGuard,
    launch_browser,
    new_context,
    require_browser_stack,
    start_lab,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HERE = Path(__file__).resolve().parent
GUARD_KEY = pytest.StashKey[PageGuard]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in Debian's chromium (tests/browser)"
    )
    config.addinivalue_line(
        "markers",
        "allow_console(*patterns): console errors matching these regexes don't fail the test",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail a test that passed but left foreign requests or console errors behind."""
    try:
        result = yield
    except BaseException:
        # The test failed on its own: keep its exception, show the guard's findings beside it.
        guard = item.stash.get(GUARD_KEY, None)
        if guard is not None:
            _add_sections(item, guard, guard.take_new_problems(), "call")
        raise
    guard = item.stash.get(GUARD_KEY, None)
    if guard is not None:
        problems = guard.take_new_problems()
        _add_sections(item, guard, problems, "call")
        if problems:
            pytest.fail("browser guard:\n  " + "\n  ".join(problems), pytrace=False)
    return result


def _add_sections(item: pytest.Item, guard: PageGuard, problems: list[str], when: str) -> None:
    if problems:
        item.add_report_section(when, "browser guard", "\n".join(problems))
    if guard.console_log:
        item.add_report_section(when, "browser console", "\n".join(guard.console_log))


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 for the whole session; its log is ``artifacts/jupyterlab.log``."""
    require_browser_stack()
    log = artifacts_dir / "jupyterlab.log"
    log.unlink(missing_ok=True)
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"), log)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium (headless) driven by Playwright's sync API."""
    executable = require_browser_stack()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # default 5 s is tight on the shared 2-core machines
    with sync_playwright() as playwright:
        browser = launch_browser(playwright, executable)
        yield browser
        browser.close()


@pytest.fixture
def page_guard(request: pytest.FixtureRequest) -> PageGuard:
    """The ``page``'s network/console guard: ``allow_console(regex)``, ``clear()``, records."""
    guard = PageGuard()
    for marker in request.node.iter_markers("allow_console"):
        for pattern in marker.args:
            guard.allow_console(pattern)
    request.node.stash[GUARD_KEY] = guard
    return guard


@pytest.fixture
def page(
    request: pytest.FixtureRequest, browser: Browser, page_guard: PageGuard, artifacts_dir: Path
) -> Iterator[Page]:
    """A new page in a fresh, guarded browser context; screenshot saved at teardown."""
    context = new_context(browser, page_guard)
    page = context.new_page()
    try:
        yield page
    finally:
        shots = artifacts_dir / "screenshots"
        shots.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.\[\]-]+", "_", request.node.name)
        try:
            page.screenshot(path=shots / f"{name}.png", timeout=15_000)
        except Exception as exc:
            request.node.add_report_section("teardown", "screenshot", f"failed: {exc!r}")
        context.close()
        if "lab" in request.fixturenames:
            request.getfixturevalue("lab").shutdown_sessions()
    # Anything that arrived after the test body (e.g. while closing) fails at teardown.
    late = page_guard.take_new_problems()
    if late:
        pytest.fail("browser guard (after the test body):\n  " + "\n  ".join(late), pytrace=False)
