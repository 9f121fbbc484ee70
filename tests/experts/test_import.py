"""Excel import: preview every row's problems, all or nothing; template and export."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from experts import sheets
from experts.models import Expert
from portal.models import User
from tests import factories


def sheet(*rows, header=None):
    workbook = Workbook()
    ws = workbook.active
    ws.append(header or sheets.HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def row(
    name="李明",
    phone="13911112222",
    level="副高级",
    category="教育教学专家",
    subjects="数学",
    declares="是",
    knows_law="否",
    username="",
):
    return [
        name,
        phone,
        "liming@example.cn",
        "昌吉市第三中学",
        "中学高级教师",
        level,
        category,
        subjects,
        declares,
        knows_law,
        username,
        "",
    ]


def upload(client, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("experts:expert_import"),
        {"file": SimpleUploadedFile("专家.xlsx", data, content_type="application/octet-stream")},
    )


def test_good_sheet_previews_then_imports_into_own_pool(client, clerk, changji):
    factories.login(client, clerk)
    data = sheet(
        row(),
        row(name="王芳", phone="13911113333", subjects="综合实践活动、信息技术教育"),
        row(
            name="周律师", phone="13911114444", category="法律专业人士", subjects="", knows_law="是"
        ),
    )
    response = upload(client, data)
    assert response.status_code == 200
    assert "检查全部通过" in response.content.decode()
    assert not Expert.objects.exists()  # the preview saves nothing
    token = response.context["token"]
    response = client.post(reverse("experts:expert_import_confirm"), {"token": token})
    assert response.status_code == 302
    experts = {e.name: e for e in Expert.objects.all()}
    assert set(experts) == {"李明", "王芳", "周律师"}
    assert all(e.pool == changji and e.is_eligible for e in experts.values())
    assert set(experts["王芳"].subjects.values_list("code", flat=True)) == {
        "integrated-practice",
        "it",
    }
    assert experts["李明"].user.role == "expert" and experts["李明"].user.username == "13911112222"
    assert not experts["李明"].user.has_usable_password()


@pytest.mark.parametrize(
    "bad, message",
    [
        (row(phone="13911115555", level="初级"), "职称等级须为中级"),
        (row(phone="123"), "手机号码应为11位"),
        (row(phone="13911115555", subjects="炼金术"), "未知的学科"),
        (row(phone="13911115555", declares="否"), "不能入库"),
        (row(phone="13911115555", category="法律专业人士", knows_law="否"), "行政管理法律法规"),
        (row(name=""), "不能为空"),
        (row(phone="13911115555", name="李" * 41), "“姓名”不能超过 40 个字符（现有 41 个）"),
        (row(), "重复"),  # the same phone as the good row
    ],
)
def test_one_bad_row_refuses_the_sheet_and_saves_nothing(client, clerk, bad, message):
    factories.login(client, clerk)
    users_before = User.objects.count()
    data = sheet(row(), bad)
    response = upload(client, data)
    body = response.content.decode()
    assert message in body and "整张表不会导入" in body
    assert response.context["token"] is None
    # Even forcing the import through the service saves nothing.
    from common.errors import ServiceError
    from experts.services import import_sheet

    with pytest.raises(ServiceError):
        import_sheet(clerk, data)
    assert not Expert.objects.exists() and User.objects.count() == users_before


def test_duplicate_of_an_expert_already_in_the_pool(client, clerk, changji):
    existing = factories.expert(changji, phone="13911112222")
    factories.login(client, clerk)
    response = upload(client, sheet(row()))
    assert "已在库中" in response.content.decode()
    assert Expert.objects.get() == existing


def test_wrong_file_is_refused_with_a_message(client, clerk):
    factories.login(client, clerk)
    response = upload(client, b"%PDF-1.4 not a sheet")
    assert "无法读取该文件" in response.content.decode()
    response = upload(client, sheet(["姓名", "电话"], header=["姓名", "电话"]))
    assert "表头缺少列" in response.content.decode()


def test_stale_token_imports_nothing(client, clerk):
    factories.login(client, clerk)
    response = client.post(
        reverse("experts:expert_import_confirm"), {"token": "forged"}, follow=True
    )
    assert "导入预览已失效" in response.content.decode()
    assert not Expert.objects.exists()


def test_template_and_export_are_workbooks(client, clerk, changji, fukang):
    mine = factories.expert(changji, name="本县专家")
    factories.expert(fukang, name="外县专家")
    factories.login(client, clerk)
    template = load_workbook(io.BytesIO(client.get(reverse("experts:import_template")).content))
    assert [c.value for c in template.active[1]] == sheets.HEADERS
    export = load_workbook(io.BytesIO(client.get(reverse("experts:expert_export")).content))
    names = [r[0] for r in export.active.iter_rows(min_row=2, values_only=True)]
    assert names == [mine.name]  # a county exports its own pool only


def test_institution_user_cannot_import(client, applicant):
    factories.login(client, applicant)
    assert client.get(reverse("experts:expert_import")).status_code == 403
    assert client.get(reverse("experts:expert_export")).status_code == 403


def test_the_template_uploaded_unchanged_imports_nobody(client, clerk, changji):
    """Its example expert (张三) is no real expert: the row is refused, with why."""
    factories.login(client, clerk)
    template = client.get(reverse("experts:import_template")).content
    page = upload(client, template).content.decode()
    assert "这是模板中的示例行" in page and "确认导入" not in page
    assert not Expert.objects.filter(name="张三").exists()


def test_the_preview_shows_the_category_in_words(client, clerk, changji):
    factories.login(client, clerk)
    page = upload(
        client,
        sheet(
            row(),
            row(
                name="王律",
                phone="13911113333",
                category="法律专业人士",
                subjects="",
                knows_law="是",
            ),
        ),
    )
    body = page.content.decode()
    assert "<td>教育教学专家</td>" in body and "<td>法律专业人士</td>" in body
    assert "<td>education</td>" not in body and "<td>legal</td>" not in body


def test_text_that_looks_like_a_formula_is_exported_as_text(client, clerk, changji):
    factories.expert(changji, name="=1+1", note='=HYPERLINK("http://evil.example/x","点此查看")')
    factories.login(client, clerk)
    export = load_workbook(io.BytesIO(client.get(reverse("experts:expert_export")).content))
    cells = [c for c in export.active[2] if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(cells) == 2
    assert all(c.data_type == "s" for c in cells)


def test_a_sheet_on_the_earlier_template_still_reads(changji):
    """The declaration's column was renamed to say “从未” (guide 五（五）: never); a list filled on
    the earlier template, under the old header, still imports."""
    old = [
        "本人及近亲属未在校外培训机构任职或兼职"
        if h == "本人及近亲属从未在校外培训机构任职或兼职"
        else h
        for h in sheets.HEADERS
    ]
    assert old != sheets.HEADERS
    parsed = sheets.parse(sheet(row(), header=old))
    assert parsed.ok and parsed.rows[0].values["declares"] is True
