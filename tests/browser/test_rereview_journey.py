"""The re-review, clicked through in a real browser: the institution requests it (附件3), the county
forwards it with its opinion and seal, the prefecture signs for it and draws its own panel."""

import subprocess

import pytest

from appraisal.models import Case, Draw, IssuedDocument, Seat
from tests import factories
from tests.appraisal.rereview_world import decided_case

from .conftest import login, logout


def pdf_to_png(shots, label, body):
    pdf = shots.path(label, ".pdf")
    pdf.write_bytes(body)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    return pdf.with_suffix(".png")


@pytest.mark.django_db(transaction=True)
def test_rereview_request_forward_and_prefecture_panel(live_server, page, shots):
    from django.core.management import call_command

    call_command("loaddata", "fixtures/changji.json", verbosity=0)
    changji, zhou = factories.bureau("652301"), factories.prefecture()
    institution = factories.institution("652301", name="昌吉市星河科技培训中心")
    applicant = factories.user(
        "institution", institution=institution, username="xinghe", full_name="刘芳"
    )
    clerk = factories.user("county", bureau=changji, username="clerk_li", full_name="李老师")
    factories.user("prefecture", bureau=zhou, username="zhou_wang", full_name="王科长")
    factories.experts(changji, 3, ("it",))
    prefecture_pool = [
        factories.expert(zhou, ("it",), username=f"zh_expert{i}", name=name)
        for i, name in enumerate(["周文华", "吴建国", "郑雪梅", "冯立新"], start=1)
    ]
    project = factories.project(institution, ("it",), name="机器人编程")
    case = decided_case(applicant, clerk, projects=[project])
    first_round = set(Seat.objects.filter(round__number=1).values_list("expert_id", flat=True))

    # 1. The institution sees the result, its time limit, and files the re-review request.
    login(page, live_server, "xinghe")
    assert page.locator("#decided").get_by_text(case.number).is_visible()
    shots.take(page, "institution-home-decided")
    page.click(f"#decided >> text={case.number}")
    assert page.locator("#deadline").get_by_text("申请复审").is_visible()
    form = page.locator("#rereview-form")
    form.locator("textarea[name=reasons]").fill(
        "专家组认为本项目以数学运算为主，但本项目以搭建和编程控制机器人为主要过程，"
        "运算仅为编程所需；评价以期末作品展示为主。请求复审。"
    )
    form.locator("input[type=file]").set_input_files(
        {"name": "作品展示记录.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}
    )
    shots.take(page, "rereview-form")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages .error")  # the declaration was not ticked
    assert Case.objects.get(pk=case.pk).state == "decided"
    shots.take(page, "rereview-without-declaration")
    form.locator("textarea[name=reasons]").fill(
        "本项目以搭建和编程控制机器人为主要过程，运算仅为编程所需；评价以作品展示为主。"
    )
    form.locator("input[type=file]").set_input_files(
        {"name": "作品展示记录.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES}
    )
    form.locator("#rereview-declared").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=复审申请已提交")
    shots.take(page, "rereview-requested")
    logout(page)

    # 2. The county clerk finds it on the home page; forwarding needs the county's opinion.
    login(page, live_server, "clerk_li", shots=shots)
    assert page.locator("#rereview-inbox").get_by_text(case.number).is_visible()
    shots.take(page, "county-rereview-inbox")
    page.click(f"#rereview-inbox >> text={case.number}")
    page.click("#forward-form button[type=submit]")
    page.wait_for_selector("text=请填写县（市）教育局意见")
    assert Case.objects.get(pk=case.pk).state == "rereview_requested"
    page.fill("#forward-opinion", "申请理由具体、材料齐全，同意复审，报送州教育局。")
    shots.take(page, "county-forward-form")
    page.click("#forward-form button[type=submit]")
    page.wait_for_selector("text=已批准复审申请并报送州教育局")
    shots.take(page, "forwarded")
    link = page.locator("#rereview a", has_text="附件3")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    annex3 = IssuedDocument.objects.get(case=case, kind="rereview")
    assert response.body() == annex3.file.open("rb").read()
    assert pdf_to_png(shots, "annex3", response.body()).exists()
    logout(page)

    # 3. The prefecture clerk's inbox; it signs for the request and draws from its own pool.
    login(page, live_server, "zhou_wang", shots=shots)
    assert page.locator("#forwarded").get_by_text(case.number).is_visible()
    shots.take(page, "prefecture-inbox")
    page.click(f"#forwarded >> text={case.number}")
    assert page.locator("#draw-link").count() == 0  # not before the receipt
    page.click("#receive-form button[type=submit]")
    page.wait_for_selector("text=已签收复审申请")
    assert page.locator("#receipt").get_by_text("王科长").is_visible()
    shots.take(page, "prefecture-received")
    page.click("#draw-link")
    page.select_option("#id_panel_size", "3")
    shots.take(page, "prefecture-draw-form")
    page.click("#draw-submit")
    page.wait_for_selector("text=已抽取专家组 3 人")
    draw = Draw.objects.get(round__case=case, round__number=2)
    assert draw.pool == zhou and not first_round & set(draw.order)
    shots.take(page, "prefecture-panel-drawn")
    logout(page)

    # 4. The prefecture's experts accept; both rounds show side by side.
    for expert_id in draw.panel:
        expert = next(e for e in prefecture_pool if e.pk == expert_id)
        login(page, live_server, expert.user.username)
        page.click("#invitations a:has-text('查看并答复')")
        for box in page.locator("#accept input[type=checkbox]").all():
            box.check()
        page.click("button:has-text('签署声明并接受邀请')")
        page.wait_for_selector("text=您已接受邀请")
        logout(page)
    assert Case.objects.get(pk=case.pk).state == "in_review"
    login(page, live_server, "zhou_wang")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("#round-1").is_visible() and page.locator("#round-2").is_visible()
    shots.take(page, "both-rounds")
    logout(page)
