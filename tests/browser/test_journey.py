"""The whole card, clicked through in a real browser: apply, return and resubmit, accept, draw,
review and sign, the county's decision and seal, the re-review request, the county's forwarding,
the prefecture's panel and decision, closed."""

import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appraisal.models import Case, Draw, IssuedDocument
from portal.models import User
from tests import factories

from . import axe
from .conftest import login, logout

REQUIRED = [
    "course_scheme",
    "textbook",
    "syllabus",
    "teaching_plan",
    "schedule",
    "lesson_plans",
    "assessment_plan",
]


def upload(page, kind, name, content=factories.PDF_BYTES):
    form = page.locator("#upload-form")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages .success")


@pytest.mark.django_db(transaction=True)
def test_apply_return_resubmit_accept(live_server, page, shots, indicator_template):
    factories.bureau  # noqa: B018  (jurisdictions loaded below)
    from django.core.management import call_command

    call_command("loaddata", "fixtures/changji.json", verbosity=0)
    institution = factories.institution("652301", name="昌吉市星河科技培训中心")
    factories.user("institution", institution=institution, username="xinghe", full_name="刘芳")
    factories.user(
        "county", bureau=factories.bureau("652301"), username="clerk_li", full_name="李老师"
    )
    supervisor = factories.user(
        "supervisor", bureau=factories.prefecture(), username="jiandu", full_name="何监督"
    )
    pool = [
        factories.expert(factories.bureau("652301"), ("it",), username=f"it_expert{i}", name=name)
        for i, name in enumerate(["韩冬梅", "秦晓东", "孔德明", "杨光明", "尤静"], start=1)
    ]

    # 1. The institution logs in and registers a project.
    login(page, live_server, "xinghe")
    shots.take(page, "institution-home")
    page.get_by_role("link", name="登记培训项目").click()
    axe.check(page)
    page.fill("#id_name", "机器人编程")
    page.check("label:has-text('信息技术教育') input")
    page.fill("#id_grades", "小学四至六年级")
    page.fill("#id_description", "以项目式学习搭建和编程控制机器人，期末进行作品展示。")
    shots.take(page, "project-form")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已保存")
    shots.take(page, "project-saved")

    # 2. It files a case with its materials and submits it.
    page.get_by_role("link", name="待办事项").click()
    axe.check(page)
    page.get_by_role("link", name="新建鉴定申请").click()
    axe.check(page)
    page.check("label:has-text('机器人编程') input")
    page.fill(
        "#id_statement", "机器人编程项目涉及部分数学运算，审批中对其类别存在争议，特申请鉴定。"
    )
    page.click("button:has-text('创建申请')")
    page.wait_for_selector("text=请上传申报材料后提交")
    axe.check(page)
    case = Case.objects.get(institution=institution)
    shots.take(page, "case-draft")
    for kind in REQUIRED:
        upload(page, kind, f"{kind}.pdf")
    shots.take(page, "materials-uploaded")
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("text=申请已提交")
    shots.take(page, "submitted")
    logout(page)

    # 3. The county clerk binds a TOTP app at first login (second factor), finds the case in the
    #    inbox and returns it for completion.
    login(page, live_server, "clerk_li", shots=shots)
    assert page.locator("#inbox").get_by_text(case.number).is_visible()
    assert page.locator("#inbox").get_by_text("必需材料齐全").is_visible()
    shots.take(page, "clerk-inbox")
    page.click(f"text={case.number}")
    axe.check(page)
    page.click("summary:has-text('退回补正')")
    return_form = page.locator("#actions form[action$='/return/']")
    return_form.locator("label:has-text('课时教案') input").check()
    return_form.locator("textarea[name=note]").fill(
        "课时教案仅有两课时，请补充完整学期的课时教案。"
    )
    shots.take(page, "clerk-return-form")
    page.click("button:has-text('退回补正')")
    page.wait_for_selector("text=已退回补正")
    shots.take(page, "returned")
    logout(page)

    # 4. The institution reads the reasons, uploads a new version and resubmits.
    login(page, live_server, "xinghe")
    page.click(f"text={case.number}")
    axe.check(page)
    expect(page.get_by_text("课时教案仅有两课时").first).to_be_visible()
    shots.take(page, "institution-sees-return")
    # The row whose kind (first cell) is 课时教案: the demo files are identical, so every row
    # also names the other kinds holding the same file.
    row = page.locator("#materials tr").filter(
        has=page.locator("td:first-child", has_text="课时教案")
    )
    row.locator("summary:has-text('上传新版本')").click()
    row.locator("input[type=file]").set_input_files(
        {
            "name": "课时教案-完整版.pdf",
            "mimeType": "application/pdf",
            "buffer": factories.PDF_BYTES + b"%v2\n",
        }
    )
    row.locator("button:has-text('上传')").click()
    page.wait_for_selector("text=第2版")
    axe.check(page)
    page.click("button:has-text('补正后重新提交')")
    page.wait_for_selector("text=申请已提交")
    shots.take(page, "resubmitted")
    logout(page)

    # 5. The clerk accepts and downloads the acceptance notice.
    login(page, live_server, "clerk_li")
    page.click(f"text={case.number}")
    axe.check(page)
    page.click("button:has-text('受理并出具受理通知书')")
    page.wait_for_selector("text=已受理")
    axe.check(page)
    assert "受理后即出具受理通知书" in page.confirmed[-1]  # asked before the notice was issued
    shots.take(page, "accepted")
    link = page.locator("#documents a", has_text="受理通知书")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    notice = IssuedDocument.objects.get(case=case, kind="acceptance_notice")
    assert body == notice.file.open("rb").read()
    pdf = shots.path("acceptance-notice", ".pdf")
    pdf.write_bytes(body)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    assert pdf.with_suffix(".png").exists()
    case.refresh_from_db()
    assert case.state == "accepted"

    # 6. The clerk draws a panel of three, witnessed by the supervisor.
    page.click("#draw-link")
    axe.check(page)
    commitment = page.locator("#commitment .mono").inner_text().strip()
    assert len(commitment) == 64
    page.select_option("#id_panel_size", "3")
    page.fill("#id_witness_username", "jiandu")
    page.fill("#id_witness_password", factories.PASSWORD)
    page.fill("#id_witness_token", factories.totp_code(factories.otp_device(supervisor)))
    page.fill("#id_witness_value", "20261123")
    shots.take(page, "draw-form")
    page.click("#draw-submit")
    page.wait_for_selector("text=已抽取专家组 3 人")
    axe.check(page)
    assert page.confirmed[-1].startswith("抽取一经完成")  # witnessed: the usual question
    draw = Draw.objects.get(round__case=case)
    assert draw.commitment.commitment == commitment and draw.witness.username == "jiandu"
    panel = [next(e for e in pool if e.pk == pk) for pk in draw.panel]
    for expert in panel:
        assert page.locator("#seats").get_by_text(expert.name).is_visible()
    shots.take(page, "panel-drawn")
    page.click("#draws a:has-text('抽取记录表')")
    axe.check(page)
    page.wait_for_selector("text=鉴定专家抽取记录表")
    shots.take(page, "draw-record")
    page.click("text=核验本次抽取")
    axe.check(page)
    page.wait_for_selector("text=核验一致")
    shots.take(page, "draw-verified")
    logout(page)

    # 7. The first expert declines (unavailable); the first alternate is called.
    login(page, live_server, panel[0].user.username)
    assert page.locator("#invitations").get_by_text(case.number).is_visible()
    shots.take(page, "expert-invitation-list")
    page.click("#invitations a:has-text('查看并答复')")
    axe.check(page)
    page.select_option("#id_reason", "unavailable")
    page.fill("#id_note", "当周在外地培训。")
    shots.take(page, "expert-declines")
    page.click("button:has-text('谢绝邀请')")
    page.wait_for_selector("text=您已谢绝该邀请")
    axe.check(page)
    assert "谢绝后不能再接受本次邀请" in page.confirmed[-1]
    logout(page)
    alternate = next(e for e in pool if e.pk == draw.alternates[0])

    # 8. The other two and the alternate accept, signing the declaration.
    for expert in [panel[1], panel[2], alternate]:
        login(page, live_server, expert.user.username)
        page.click("#invitations a:has-text('查看并答复')")
        axe.check(page)
        for box in page.locator("#accept input[type=checkbox]").all():
            box.check()
        if expert is alternate:
            shots.take(page, "alternate-accepts")
        page.click("button:has-text('签署声明并接受邀请')")
        page.wait_for_selector("text=您已接受邀请")
        logout(page)
    case.refresh_from_db()
    assert case.state == "in_review"

    # 9. The clerk sees the panel and the call of the alternate.
    login(page, live_server, "clerk_li")
    page.get_by_role("link", name="鉴定案件").click()
    axe.check(page)
    page.click(f"text={case.number}")
    axe.check(page)
    seats = page.locator("#seats")
    assert seats.get_by_text("候补递补").is_visible()
    assert seats.get_by_text(alternate.name).is_visible()
    shots.take(page, "clerk-sees-panel")
    logout(page)

    # 10. The institution sees that a panel sits, but not who.
    login(page, live_server, "xinghe")
    page.click(f"text={case.number}")
    axe.check(page)
    page.wait_for_selector("text=名单在鉴定结论出具后公开")
    axe.check(page)
    body = page.content()
    for expert in pool:
        assert expert.name not in body
    shots.take(page, "institution-no-names")
    logout(page)

    # 11. The clerk records the opening meeting and names the leader.
    login(page, live_server, "clerk_li")
    page.get_by_role("link", name="鉴定案件").click()
    axe.check(page)
    page.click(f"text={case.number}")
    axe.check(page)
    page.click("text=鉴定活动记录")
    axe.check(page)
    page.select_option("#id_kind", "opening_meeting")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.fill("#id_place", "昌吉市教育局三楼会议室")
    page.fill("#id_attendees", "专家组全体成员；李老师（县教育局）")
    page.fill("#id_findings", "宣讲“双减”政策和鉴定指标，明确独立鉴定和保密要求。")
    page.locator("#activity-files").set_input_files(
        {"name": "会议签到表.png", "mimeType": "image/png", "buffer": factories.PNG_BYTES}
    )
    shots.take(page, "record-opening-meeting")
    page.click("button:has-text('保存记录')")
    page.wait_for_selector("text=鉴定活动已记录")
    axe.check(page)
    expect(page.locator("#activities").get_by_text("会议签到表.png")).to_be_visible()
    page.click("text=返回案件")
    axe.check(page)
    page.wait_for_selector("#leader-form")
    axe.check(page)
    leader = panel[1]
    page.select_option("#leader-seat", label=leader.name)
    page.click("#leader-form button")
    page.wait_for_selector("text=已指定专家组组长")
    shots.take(page, "leader-named")
    logout(page)

    # 12. Each member fills and submits the sheet; one dissents.
    members = [panel[1], panel[2], alternate]
    votes = {panel[1]: "non_academic", panel[2]: "non_academic", alternate: "academic"}
    project = case.projects.get()
    for expert in members:
        login(page, live_server, expert.user.username)
        page.click(f"text={case.number}")
        axe.check(page)
        page.click("#sheet-link")
        axe.check(page)
        sheet = page.locator(f"#project-{project.pk}")
        rows = sheet.locator("tbody tr")
        column = 0 if votes[expert] == "academic" else 1
        for i in range(rows.count()):
            rows.nth(i).locator("td").nth(column).locator("input").first.check()
        rows.first.locator("select").first.select_option(index=1)
        rows.first.locator("input.short").fill("3")
        rows.first.locator("textarea").fill("课程方案第3页：以搭建和编程完成项目任务为目标。")
        for i in range(1, rows.count()):  # each ticked sign with its evidence
            rows.nth(i).locator("textarea").fill("观摩和访谈中所见。")
        sheet.locator(f"input[name=p{project.pk}-vote][value={votes[expert]}]").check()
        sheet.locator("textarea[name$=-reasons]").fill(
            "以项目式学习和作品展示为主。"
            if votes[expert] == "non_academic"
            else "编程部分涉及较多数学运算训练，按学科类管理更稳妥。"
        )
        page.click("button[value=save]")
        page.wait_for_selector("text=草稿已保存")
        axe.check(page)
        suggested = "非学科类" if votes[expert] == "non_academic" else "学科类"
        expect(page.locator(f"#suggestion-{project.pk}")).to_contain_text(suggested)
        if expert is alternate:
            shots.take(page, "sheet-saved-with-suggestion")
        page.check("#confirm-submit")
        page.click("button[value=submit]")
        page.wait_for_selector("#sheet-submitted")
        logout(page)

    # 13. The leader drafts the opinion and signs it with the password.
    login(page, live_server, leader.user.username)
    page.click(f"text={case.number}")
    axe.check(page)
    page.click("#opinion-edit-link")
    axe.check(page)
    expect(page.get_by_text("编程部分涉及较多数学运算训练").first).to_be_visible()
    page.fill(
        "#id_reasoning",
        "专家组书面审查了培训课程方案、教材和评价方案。该项目以项目式学习和动手搭建为主，"
        "以作品展示评价学习成果，四个维度均符合非学科类特征。",
    )
    page.fill(
        "#id_finding_0", "课程方案以培养动手能力和计算思维为目标，不以提高学科考试成绩为目的。"
    )
    page.fill("#id_finding_1", "教材以机器人搭建与图形化编程为主，不涉及数学课程标准规定的内容。")
    page.fill("#id_finding_2", "课堂以分组搭建和调试为主，教师讲授时间较少。")
    page.fill("#id_finding_3", "以作品展示和过程记录评价学习成果，不组织书面测验。")
    shots.take(page, "leader-drafts-opinion")
    page.click("button:has-text('保存鉴定意见')")
    page.wait_for_selector("text=鉴定意见已保存")
    axe.check(page)
    for expert in members:
        if expert is not leader:
            logout(page)
            login(page, live_server, expert.user.username)
            page.click(f"text={case.number}")
            axe.check(page)
            page.click("#opinion-sign-link")
            axe.check(page)
        expect(page.locator("#opinion-results strong")).to_have_text("非学科类")
        page.fill("#id_reauth", factories.PASSWORD)
        page.check("#id_confirm")
        if expert is leader:
            shots.take(page, "member-signs")
        page.click("#sign-form button")
        page.wait_for_selector("#signed-now")
    shots.take(page, "all-signed")
    logout(page)
    case.refresh_from_db()
    assert case.state == "opinion_signed"

    # 14. The clerk, who holds the seal, decides on the basis of the opinion and stamps.
    from guardian.shortcuts import assign_perm

    clerk_li = User.objects.get(username="clerk_li")
    assign_perm("portal.apply_seal", clerk_li, clerk_li.bureau)
    login(page, live_server, "clerk_li")
    page.get_by_role("link", name="鉴定案件").click()
    axe.check(page)
    page.click(f"text={case.number}")
    axe.check(page)
    page.click("#decision-link")
    axe.check(page)
    expect(page.locator("#signatures").get_by_text("有效")).to_have_count(3)
    page.fill("#id_reauth", factories.PASSWORD)
    shots.take(page, "clerk-stamps")
    page.click("button:has-text('确定类别并加盖公章')")
    page.wait_for_selector("text=鉴定意见书已出具")
    shots.take(page, "decided")
    logout(page)
    case.refresh_from_db()
    assert case.state == "decided"

    # 15. The institution sees the result and the panel, and downloads 附件2.
    login(page, live_server, "xinghe")
    page.click(f"text={case.number}")
    axe.check(page)
    expect(page.locator("#decision-results").get_by_text("非学科类")).to_be_visible()
    for expert in members:
        expect(page.locator("#seats").get_by_text(expert.name).first).to_be_visible()
    shots.take(page, "institution-sees-result")
    link = page.locator("#opinion-download")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    opinion_doc = IssuedDocument.objects.get(case=case, kind="opinion")
    body = response.body()
    assert body == opinion_doc.file.open("rb").read()
    pdf = shots.path("opinion-annex2", ".pdf")
    pdf.write_bytes(body)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(pdf.with_suffix("")),
        ],
        check=True,
    )
    assert pdf.with_suffix(".png").exists()

    # 16. The institution files a re-review request (附件3) within its time limit.
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    expect(page.locator("#deadline")).to_contain_text("申请复审")
    # The result and its document come first; the request is one click away.
    expect(page.locator("#result-summary")).to_contain_text("下载鉴定意见书")
    page.click("summary:has-text('申请复审（附件3）')")
    form = page.locator("#rereview-form")
    form.locator("textarea[name=reasons]").fill(
        "初次鉴定仅作书面审查，且有一名专家认为编程部分涉及数学运算训练。为使结论确定，"
        "请求州教育局通过实地查看、课堂观摩进行二次鉴定。"
    )
    form.locator("input[type=file]").set_input_files(
        {
            "name": "学期作品展示记录.pdf",
            "mimeType": "application/pdf",
            "buffer": factories.PDF_BYTES,
        }
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages .error")  # the declaration is not ticked yet
    assert Case.objects.get(pk=case.pk).state == "decided"
    form.locator("textarea[name=reasons]").fill(
        "初次鉴定仅作书面审查，且有一名专家认为编程部分涉及数学运算训练。为使结论确定，"
        "请求州教育局通过实地查看、课堂观摩进行二次鉴定。"
    )
    form.locator("input[type=file]").set_input_files(
        {
            "name": "学期作品展示记录.pdf",
            "mimeType": "application/pdf",
            "buffer": factories.PDF_BYTES,
        }
    )
    form.locator("#rereview-declared").check()
    shots.take(page, "rereview-request")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=复审申请已提交")
    shots.take(page, "rereview-requested")
    logout(page)

    # 17. The county forwards it with its opinion and seal; 附件3 is issued (looked at as a PNG).
    login(page, live_server, "clerk_li")
    expect(page.locator("#rereview-inbox").get_by_text(case.number)).to_be_visible()
    shots.take(page, "county-rereview-inbox")
    page.click(f"#rereview-inbox >> text={case.number}")
    page.click("#forward-form button[type=submit]")
    page.wait_for_selector("text=请填写县（市）教育局意见")
    axe.check(page)
    page.fill("#forward-opinion", "申请理由具体，所附材料齐全，同意复审，报送州教育局。")
    page.click("#forward-form button[type=submit]")
    page.wait_for_selector("text=已批准复审申请并报送州教育局")
    assert "复审申请书（附件3）" in page.confirmed[-1]  # asked before the sealed form was issued
    shots.take(page, "county-forwarded")
    link = page.locator("#rereview a", has_text="附件3")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert (
        response.body()
        == IssuedDocument.objects.get(case=case, kind="rereview").file.open("rb").read()
    )
    assert pdf_png(shots, "rereview-annex3", response.body()).exists()
    logout(page)

    # 18. The prefecture clerk signs for it and draws from the prefecture's own pool.
    from guardian.shortcuts import assign_perm

    zhou = factories.prefecture()
    factories.user("prefecture", bureau=zhou, username="zhou_wang", full_name="王科长")
    assign_perm("portal.apply_seal", User.objects.get(username="zhou_wang"), zhou)
    zhou_pool = [
        factories.expert(zhou, ("it",), username=f"zh_it{i}", name=name)
        for i, name in enumerate(["周文华", "吴建国", "郑雪梅", "冯立新"], start=1)
    ]
    login(page, live_server, "zhou_wang", shots=shots)
    expect(page.locator("#forwarded").get_by_text(case.number)).to_be_visible()
    shots.take(page, "prefecture-inbox")
    page.click(f"#forwarded >> text={case.number}")
    axe.check(page)
    page.click("#receive-form button[type=submit]")
    page.wait_for_selector("text=已签收复审申请")
    axe.check(page)
    expect(page.locator("#receipt")).to_contain_text("王科长")
    page.click("#draw-link")
    axe.check(page)
    page.select_option("#id_panel_size", "3")
    # Witnessed, as every draw is by default: the supervisor with one of their backup codes
    # (the phone's code of step 6 may still be the current one, and a code is used once).
    from django_otp.plugins.otp_static.models import StaticDevice

    backup = StaticDevice.objects.create(user=supervisor, name="备用验证码", confirmed=True)
    backup.token_set.create(token="jdbackup1")
    page.fill("#id_witness_username", "jiandu")
    page.fill("#id_witness_password", factories.PASSWORD)
    page.fill("#id_witness_token", "jdbackup1")
    page.fill("#id_witness_value", "州复审20261201")
    page.click("#draw-submit")
    page.wait_for_selector("text=已抽取专家组 3 人")
    shots.take(page, "prefecture-panel-drawn")
    second = Draw.objects.get(round__case=case, round__number=2)
    assert second.pool == zhou
    assert not {e.pk for e in pool} & set(second.order)  # no expert of the first round
    logout(page)
    zhou_panel = [next(e for e in zhou_pool if e.pk == pk) for pk in second.panel]
    for expert in zhou_panel:
        login(page, live_server, expert.user.username)
        page.click("#invitations a:has-text('查看并答复')")
        axe.check(page)
        for box in page.locator("#accept input[type=checkbox]").all():
            box.check()
        page.click("button:has-text('签署声明并接受邀请')")
        page.wait_for_selector("text=您已接受邀请")
        logout(page)
    assert Case.objects.get(pk=case.pk).state == "in_review"

    # 19. The prefecture's round: the same review pages, scoped to round 2, opened by its own
    # meeting with the policy briefing.
    login(page, live_server, "zhou_wang")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    page.locator("#review-2 a:has-text('鉴定活动记录')").click()
    axe.check(page)
    page.select_option("#id_kind", "opening_meeting")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.fill("#id_place", "州教育局二楼会议室")
    page.fill("#id_attendees", "复审专家组全体成员；王老师（州教育局）")
    page.click("button:has-text('保存记录')")
    page.wait_for_selector("text=鉴定活动已记录")
    axe.check(page)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    round2 = page.locator("#review-2")
    round2.locator("#leader-seat").select_option(label=zhou_panel[0].name)
    round2.locator("#leader-form button").click()
    page.wait_for_selector("text=已指定专家组组长")
    logout(page)
    for expert in zhou_panel:
        login(page, live_server, expert.user.username)
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        axe.check(page)
        page.locator("#review-2 #sheet-link").click()
        axe.check(page)
        sheet = page.locator(f"#project-{project.pk}")
        rows = sheet.locator("tbody tr")
        for i in range(rows.count()):
            rows.nth(i).locator("td").nth(1).locator("input").first.check()
            rows.nth(i).locator("textarea").fill("实地查看和课堂观摩所见。")  # its evidence
        sheet.locator(f"input[name=p{project.pk}-vote][value=non_academic]").check()
        sheet.locator("textarea[name$=-reasons]").fill(
            "实地查看和课堂观摩均以动手搭建、编程调试为主。"
        )
        page.click("button[value=save]")
        page.wait_for_selector("text=草稿已保存")
        axe.check(page)
        page.check("#confirm-submit")
        page.click("button[value=submit]")
        page.wait_for_selector("#sheet-submitted")
        logout(page)
    leader2 = zhou_panel[0]
    for expert in zhou_panel:
        login(page, live_server, expert.user.username)
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        axe.check(page)
        if expert is leader2:
            page.locator("#review-2 #opinion-edit-link").click()
            axe.check(page)
            page.fill(
                "#id_reasoning",
                "复审专家组书面审查了原申报材料和复审材料，到机构实地查看并观摩课堂。该项目以项目式"
                "学习和动手搭建为主，以作品展示评价学习成果，四个维度均符合非学科类特征。",
            )
            for i, text in enumerate(
                [
                    "以培养动手能力为目标。",
                    "以机器人搭建和编程为内容。",
                    "以分组实践为主。",
                    "以作品展示评价。",
                ]
            ):
                page.fill(f"#id_finding_{i}", text)
            page.click("button:has-text('保存鉴定意见')")
            page.wait_for_selector("text=鉴定意见已保存")
            axe.check(page)
        else:
            page.locator("#review-2 #opinion-sign-link").click()
            axe.check(page)
        page.fill("#id_reauth", factories.PASSWORD)
        page.check("#id_confirm")
        page.click("#sign-form button")
        page.wait_for_selector("#signed-now")
        logout(page)
    assert Case.objects.get(pk=case.pk).state == "opinion_signed"

    # 20. The prefecture decides and applies its seal: final, the case is closed.
    login(page, live_server, "zhou_wang")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    page.locator("#review-2 #decision-link").click()
    axe.check(page)
    page.fill("#id_reauth", factories.PASSWORD)
    shots.take(page, "prefecture-stamps")
    page.click("button:has-text('确定类别并加盖公章')")
    page.wait_for_selector("text=鉴定意见书已出具")
    axe.check(page)
    case.refresh_from_db()
    assert case.state == "closed" and case.closed_at
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    expect(page.locator("#round-2")).to_contain_text("终局")
    shots.take(page, "closed-both-rounds")
    logout(page)

    # 21. The institution sees the final result and downloads the prefecture's 附件2.
    login(page, live_server, "xinghe")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    expect(page.locator(".badge").first).to_contain_text("已办结")
    shots.take(page, "institution-sees-final-result")
    final = IssuedDocument.objects.get(case=case, kind="opinion", round__number=2)
    assert final.bureau == zhou
    link = page.locator(f"a[href$='/documents/{final.pk}/download/']").first
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.body() == final.file.open("rb").read()
    assert pdf_png(shots, "prefecture-annex2", response.body()).exists()


def pdf_png(shots, label, body):
    """Keep the PDF with the journey's screenshots, and its first page as a PNG to look at."""
    pdf = shots.path(label, ".pdf")
    pdf.write_bytes(body)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(pdf.with_suffix("")),
        ],
        check=True,
    )
    return pdf.with_suffix(".png")
