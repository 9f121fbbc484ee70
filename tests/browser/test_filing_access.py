"""The institution's filing as two other users make it: on a 375 px phone, and with the keyboard
alone (Tab, Enter, Space and typing; no click). Every page is checked with axe-core."""

import pytest
from django.core.management import call_command

from appraisal.models import Case
from tests import factories

from . import axe
from .conftest import login
from .test_journey import REQUIRED


def setting_up():
    call_command("loaddata", "fixtures/changji.json", verbosity=0)
    institution = factories.institution("652301", name="昌吉市星河科技培训中心")
    factories.user("institution", institution=institution, username="xinghe", full_name="刘芳")
    factories.project(institution, ("it",), name="机器人编程")
    return institution


SIDEWAYS = """(width) => {
  const wide = [];
  if (document.documentElement.scrollWidth > width) wide.push("html");
  for (const el of document.querySelectorAll("body *")) {
    const x = getComputedStyle(el).overflowX;
    if ((x === "auto" || x === "scroll") && el.scrollWidth > el.clientWidth + 1)
      wide.push(el.id ? "#" + el.id : el.tagName.toLowerCase() + "." + el.className);
  }
  return wide;
}"""


def fits_the_screen(page):
    """Nothing wider than the phone: neither the page nor a table in it needs sideways swiping."""
    wide = page.evaluate(SIDEWAYS, page.viewport_size["width"])
    assert not wide, f"{page.url} 须左右滑动：{wide}"


@pytest.mark.django_db(transaction=True)
def test_filing_on_a_phone(live_server, phone, shots):
    page = phone
    institution = setting_up()
    login(page, live_server, "xinghe")
    shots.take(page, "home")
    fits_the_screen(page)
    page.get_by_role("link", name="新建鉴定申请").first.click()
    page.check("label:has-text('机器人编程') input")
    page.fill(
        "#id_statement", "机器人编程项目涉及部分数学运算，审批中对其类别存在争议，特申请鉴定。"
    )
    shots.take(page, "case-form")
    fits_the_screen(page)
    page.click("button:has-text('创建申请')")
    page.wait_for_selector("text=请上传申报材料后提交")
    shots.take(page, "case-draft")
    form = page.locator("#upload-form")
    for kind in REQUIRED:
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[type=file]").set_input_files(
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}
        )
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".messages .success")
    shots.take(page, "materials-uploaded")
    fits_the_screen(page)
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("text=申请已提交")
    shots.take(page, "submitted")
    fits_the_screen(page)
    assert Case.objects.get(institution=institution).state == "submitted"


def tab_to(page, target, limit=150):
    """Press Tab until ``target`` (a locator) has the focus; every control the user needs is
    reachable this way, in the page's order."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"按 Tab {limit} 次仍未到达 {target}")


def choose(page, select, value, limit=40):
    """A focused list is changed with the arrow keys, as a keyboard user does."""
    for _ in range(limit):
        if select.input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"方向键未能选到 {value}")


@pytest.mark.django_db(transaction=True)
def test_filing_by_keyboard(live_server, page, shots):
    institution = setting_up()
    page.goto(f"{live_server.url}/accounts/login/")
    axe.check(page)
    tab_to(page, page.locator("#id_username"))
    page.keyboard.type("xinghe")
    tab_to(page, page.locator("#id_password"))
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    shots.take(page, "home")

    tab_to(page, page.get_by_role("link", name="新建鉴定申请").first)
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_statement")
    tab_to(page, page.locator("label:has-text('机器人编程') input"))
    page.keyboard.press("Space")
    tab_to(page, page.locator("#id_statement"))
    page.keyboard.type("机器人编程项目涉及部分数学运算，审批中对其类别存在争议，特申请鉴定。")
    shots.take(page, "case-form")
    tab_to(page, page.locator("button:has-text('创建申请')"))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=请上传申报材料后提交")
    shots.take(page, "case-draft")

    form = page.locator("#upload-form")
    for kind in REQUIRED:
        select = form.locator("select[name=kind]")
        tab_to(page, select)
        choose(page, select, kind)
        tab_to(page, form.locator("input[type=file]"))
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")  # opens the system's file dialog
        chooser.value.set_files(
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}
        )
        tab_to(page, form.locator("button[type=submit]"))
        page.keyboard.press("Enter")
        page.wait_for_selector(".messages .success")
    shots.take(page, "materials-uploaded")

    tab_to(page, page.locator("button:has-text('提交申请')"))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=申请已提交")
    shots.take(page, "submitted")
    case = Case.objects.get(institution=institution)
    assert case.state == "submitted" and case.materials.count() == len(REQUIRED)
