"""Browser tests: the sandbox page in a real headless Chromium, driven by Selenium.

Chromium and chromedriver come from Debian (``make test`` installs them, as it
installs PostgreSQL); nothing is downloaded. When they are missing the tests fail
rather than skip: the sandbox is only known to work if a browser showed it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from bot.sandbox.server import Running, start

CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


def find_browser() -> tuple[str, str]:
    """Paths of Chromium and its driver, or a failure that says how to get them."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    if not browser or not driver:
        pytest.fail(
            "Chromium and chromedriver are needed for the sandbox's browser tests: "
            "`make test` installs them as root (apt-get install chromium chromium-driver)."
        )
    return browser, driver


@pytest.fixture(scope="session")
def browser() -> Iterator[WebDriver]:
    binary, driver_path = find_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    profile = tempfile.mkdtemp(prefix="allybot-chromium-")
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, 0)
    try:
        yield running
    finally:
        running.stop()


class Page:
    """A person's view of the sandbox in the browser, with patient lookups."""

    def __init__(self, driver: WebDriver, site: Running) -> None:
        self.driver = driver
        self.site = site

    def open(self, path: str) -> None:
        self.driver.get(self.site.url.rstrip("/") + path)

    def until(self, check: Callable[[], object], timeout: float = 10.0) -> object:
        """Retry ``check`` (the page reloads itself when the app sends something)."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                found = check()
                if found:
                    return found
            except (
                NoSuchElementException,
                StaleElementReferenceException,
                WebDriverException,
            ) as exc:
                last = exc
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting; last error: {last!r}\n{self.text()[:3000]}")

    def text(self) -> str:
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return ""

    def wait_text(self, text: str, timeout: float = 10.0, where: str = "body") -> None:
        """Wait for ``text`` in the element's rendered text (scrolled-away parts included)."""

        def shown() -> bool:
            element = self.driver.find_element(By.CSS_SELECTOR, where)
            return text in " ".join(str(element.get_attribute("innerText") or "").split())

        self.until(shown, timeout)

    def button(self, label: str, within: str = "body") -> WebElement:
        def find() -> WebElement | None:
            for button in self.driver.find_elements(By.CSS_SELECTOR, f"{within} button"):
                if button.text.strip() == label and button.is_displayed():
                    return button
            return None

        found = self.until(find)
        assert isinstance(found, WebElement)
        return found

    def click(self, label: str, within: str = "body") -> None:
        self.button(label, within).click()

    def say(self, text: str) -> None:
        """Type into the composer and press Enter, as in Slack."""
        box = self.driver.find_element(By.CSS_SELECTOR, ".composer-input")
        box.clear()
        box.send_keys(text + "\n")


@pytest.fixture
def page(browser: WebDriver, site: Running) -> Page:
    browser.delete_all_cookies()
    return Page(browser, site)
