"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Each journey keeps a screenshot of every step in ``test-artifacts/<journey>/`` (printed at the end).
"""

import base64
import os
import re
import shutil
from pathlib import Path

import pytest

from tests import factories

from . import axe

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
    yield from open_page(chromium, viewport={"width": 1280, "height": 900})


# A phone held upright (375 CSS px wide, as the commonest small phones).
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(chromium):
    yield from open_page(chromium, **PHONE)


def open_page(chromium, **screen):
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **screen)
    context.set_default_timeout(15000)
    page = context.new_page()
    # The user confirms each irreversible step the page asks about; the questions are kept for
    # the journeys to check (a dialog nobody answers would stop the page).
    page.confirmed = []

    def confirm(dialog):
        page.confirmed.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    page.answer_confirmations = confirm  # a journey that cancels takes this off first
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
        axe.check(page)  # every page a journey keeps is also checked for accessibility
        target = self.path(label)
        page.screenshot(path=str(target), full_page=True)
        return target


@pytest.fixture
def shots(request):
    journey = request.node.name.removeprefix("test_")
    shots = Shots(journey)
    yield shots
    print(f"\n截图目录：{shots.folder}（{shots.count} 张）")


# What a user's phone and paper hold after enrolment: the TOTP secret and the backup codes.
AUTHENTICATORS: dict[str, dict] = {}


def login(page, live_server, username, password=factories.PASSWORD, shots=None):
    """Password, then the second factor where the role requires it: enrolment the first time
    (the secret is read off the enrolment page, as a phone app would scan it), a code after."""
    page.goto(f"{live_server.url}/accounts/login/")
    axe.check(page)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/otp/verify/" in page.url:
        axe.check(page)
        page.fill("#id_token", next_code(username))
        page.click("button:has-text('验证')")
    elif "/accounts/otp/" in page.url:
        enrol(page, username, shots)
    page.wait_for_url(f"{live_server.url}/")
    axe.check(page)


def enrol(page, username, shots=None):
    axe.check(page)
    if shots is not None:
        shots.take(page, "otp-enrolment")
    assert page.locator("img.qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    AUTHENTICATORS[username] = {"key": base64.b32decode(secret + "=" * (-len(secret) % 8))}
    page.fill("#id_token", next_code(username))
    page.click("button:has-text('完成绑定')")
    page.wait_for_selector("#backup-codes li")  # the next page, not the one just left
    axe.check(page)
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10
    if shots is not None:
        shots.take(page, "otp-backup-codes")
    AUTHENTICATORS[username]["backup"] = codes
    page.click("text=我已保存，继续")


def next_code(username) -> str:
    """The app's current code; a code is good once, so within one 30-second step a second login
    uses the next step's code (the server allows one step of clock drift), then a backup code."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    phone = AUTHENTICATORS[username]
    clock = TOTP(phone["key"])
    device = TOTPDevice.objects.filter(user__username=username).order_by("-id").first()
    last_t = device.last_t if device is not None else -1
    for drift in (0, 1):
        clock.drift = drift
        if clock.t() > last_t:
            return f"{clock.token():06d}"
    return phone["backup"].pop()


def logout(page):
    axe.check(page)  # the page the user leaves
    page.click("text=退出登录")
    page.wait_for_selector("#id_username")
