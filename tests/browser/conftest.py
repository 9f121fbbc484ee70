"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Each journey keeps a screenshot of every step in ``test-artifacts/<journey>/`` (printed at the end).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests import factories

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"未安装 Chromium（{CHROMIUM}）：浏览器旅程测试跳过；bash .ci/install test 会安装它"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


class Shots:
    """Numbered full-page screenshots of a journey, in a folder of its own."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def path(self, label: str, suffix: str = ".png") -> Path:
        self.count += 1
        safe = re.sub(r"[^\w\-]+", "-", label).strip("-")
        return self.folder / f"{self.count:02d}-{safe}{suffix}"

    def take(self, page, label: str) -> Path:
        target = self.path(label)
        page.screenshot(path=str(target), full_page=True)
        return target


@pytest.fixture
def shots(request):
    journey = request.node.name.removeprefix("test_")
    shots = Shots(journey)
    yield shots
    print(f"\n截图目录：{shots.folder}（{shots.count} 张）")


def login(page, live_server, username, password=factories.PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def logout(page):
    page.click("text=退出登录")
    page.wait_for_selector("#id_username")
