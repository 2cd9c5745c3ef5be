"""Take the README's screenshot of the sandbox: ``python -m tests.support.screenshot``.

It starts a fresh sandbox in a temporary directory, plays the first steps of the
guided tour through the real app (joins, a round), and has headless Chromium
photograph Alex's buddy introduction. Usage: ``python -m tests.support.screenshot
[OUT.png] [PATH]`` (default ``docs/sandbox.png`` and Alex's group DM).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from bot.sandbox import cast
from bot.sandbox.server import start

ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1400,860",
)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/sandbox.png")
    workdir = Path(tempfile.mkdtemp(prefix="allybot-shot-"))
    profile = tempfile.mkdtemp(prefix="allybot-chromium-")
    running = start(workdir, 0)
    try:
        sandbox = running.sandbox
        sandbox.command(cast.ALEX, "join ally")
        sandbox.command(cast.MAYA, "join colleague")
        sandbox.command(cast.ADA, "admin pair run")
        sandbox.settle()
        deadline = time.monotonic() + 20
        while not sandbox.workspace.group_dms(cast.ALEX) and time.monotonic() < deadline:
            time.sleep(0.2)
            sandbox.workspace.sync()
        (intro,) = [g for g in sandbox.workspace.group_dms(cast.ALEX) if cast.MAYA in g.members]
        path = argv[1] if len(argv) > 1 else f"/as/{cast.ALEX}/g/{intro.id}"
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for arg in (*ARGS, f"--user-data-dir={profile}"):
            options.add_argument(arg)
        driver = webdriver.Chrome(
            service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
            options=options,
        )
        try:
            driver.get(running.url.rstrip("/") + path)
            time.sleep(1.0)
            out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
    finally:
        running.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
