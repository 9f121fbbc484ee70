"""Expert lists as .xlsx (bureaus keep them in Excel): template, parse with per-row problems,
all-or-nothing import, export. openpyxl does the reading and writing."""

import io
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from portal.models import Subject

from .models import Expert

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[\w.@+-]{3,150}$", re.ASCII)
YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "n", "no", "false", "0", ""}
MAX_ROWS = 5000

# (header, attribute, required, help shown in the template's second row)
COLUMNS = [
    ("姓名", "name", True, "必填"),
    ("手机号码", "phone", True, "必填，11位手机号，不得与库中已有专家重复"),
    ("电子邮箱", "email", False, "用于发送鉴定邀请"),
    ("工作单位", "employer", True, "必填"),
    ("专业技术职称", "title", True, "必填，如：中学高级教师、律师"),
    ("职称等级", "title_level", True, "中级 / 副高级 / 正高级"),
    ("专家类别", "category", True, "教育教学专家 / 法律专业人士"),
    ("擅长学科或领域", "subjects", False, "多个用“、”分隔，如：数学、综合实践活动"),
    ("本人及近亲属从未在校外培训机构任职或兼职", "declares", True, "是 / 否（须为“是”方可入库）"),
    ("熟悉行政管理法律法规", "knows_law", False, "是 / 否（法律专业人士须为“是”）"),
    ("登录账号", "username", False, "可空，默认使用手机号码"),
    ("备注", "note", False, ""),
]
HEADERS = [c[0] for c in COLUMNS]
# Headers of earlier templates, still read: a bureau's list filled on an older template imports.
OLD_HEADERS = {"本人及近亲属未在校外培训机构任职或兼职": "本人及近亲属从未在校外培训机构任职或兼职"}
# The model's length limits, which the web form enforces too (the database refuses longer text).
LIMITS = {
    field.name: field.max_length
    for field in Expert._meta.get_fields()
    if field.name in {attr for _h, attr, *_ in COLUMNS} and getattr(field, "max_length", None)
}
EXAMPLE_NOTE = "示例行，导入前请删除"  # the template's example expert is not a real one


@dataclass
class Row:
    number: int  # the row number in the sheet
    values: dict
    problems: list[str] = field(default_factory=list)
    subjects: list = field(default_factory=list)


@dataclass
class Parsed:
    rows: list[Row]
    problems: list[str] = field(default_factory=list)  # about the sheet as a whole

    @property
    def ok(self) -> bool:
        return not self.problems and self.rows and not any(r.problems for r in self.rows)

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.problems]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _flag(text: str, problems: list[str], label: str) -> bool:
    low = text.lower()
    if low in YES:
        return True
    if low in NO:
        return False
    problems.append(f"“{label}”只能填“是”或“否”")
    return False


def parse(data: bytes) -> Parsed:
    """Every row with its problems; nothing is saved here."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign file raises many different errors in openpyxl
        return Parsed(rows=[], problems=["无法读取该文件：请上传由模板填写的 .xlsx 表格。"])
    sheet = workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [OLD_HEADERS.get(h, h) for h in (_text(v) for v in next(lines, ()))]
    missing = [h for h in HEADERS if h not in header]
    if missing:
        return Parsed(rows=[], problems=["表头缺少列：" + "、".join(missing) + "。请使用模板。"])
    index = {h: header.index(h) for h in HEADERS}
    subjects = {s.name: s for s in Subject.objects.filter(is_active=True)}
    subjects.update({s.code: s for s in subjects.values()})
    levels = {label: value for value, label in Expert.TitleLevel.choices}
    categories = {label: value for value, label in Expert.Category.choices}
    existing_phones = set(Expert.objects.values_list("phone", flat=True))
    existing_users = set(get_user_model().objects.values_list("username", flat=True))
    seen_phones, seen_users = {}, {}
    rows = []
    for number, line in enumerate(lines, start=2):
        cells = {
            attr: _text(line[index[h]] if index[h] < len(line) else None) for h, attr, *_ in COLUMNS
        }
        if not any(cells.values()) or cells["name"].startswith("必填"):
            continue  # blank lines and the template's help row
        if len(rows) >= MAX_ROWS:
            return Parsed(rows=rows, problems=[f"一次最多导入 {MAX_ROWS} 行。"])
        row = Row(number=number, values=cells)
        p = row.problems
        if cells["note"] == EXAMPLE_NOTE:
            p.append("这是模板中的示例行，不是真实专家，请删除后再导入")
        for header, attr, required, _ in COLUMNS:
            if required and not cells[attr]:
                p.append(f"“{header}”不能为空")
            elif attr in LIMITS and len(cells[attr]) > LIMITS[attr]:
                p.append(f"“{header}”不能超过 {LIMITS[attr]} 个字符（现有 {len(cells[attr])} 个）")
        phone = cells["phone"].replace(" ", "").replace("-", "")
        cells["phone"] = phone
        if phone and not MOBILE_RE.match(phone):
            p.append("手机号码应为11位手机号")
        elif phone in existing_phones:
            p.append("该手机号码的专家已在库中（重复专家）")
        elif phone in seen_phones:
            p.append(f"与第 {seen_phones[phone]} 行重复（同一手机号码）")
        if phone:
            seen_phones.setdefault(phone, number)
        if cells["title_level"] and cells["title_level"] not in levels:
            p.append("职称等级须为中级、副高级或正高级（中级以下不能入库）")
        if cells["category"] and cells["category"] not in categories:
            p.append("专家类别须为“教育教学专家”或“法律专业人士”")
        names = [n.strip() for n in re.split(r"[、,，;；/]", cells["subjects"]) if n.strip()]
        unknown = [n for n in names if n not in subjects]
        if unknown:
            p.append("未知的学科或领域：" + "、".join(unknown))
        row.subjects = [subjects[n] for n in names if n in subjects]
        if categories.get(cells["category"]) == Expert.Category.EDUCATION and not names:
            p.append("教育教学专家须填写擅长学科或领域")
        declares = _flag(cells["declares"], p, "本人及近亲属从未在校外培训机构任职或兼职")
        if cells["declares"] and not declares and cells["declares"].lower() in NO:
            p.append("本人或近亲属有校外培训机构任职或兼职经历的，不能入库（指南五（五））")
        knows_law = _flag(cells["knows_law"], p, "熟悉行政管理法律法规")
        if categories.get(cells["category"]) == Expert.Category.LEGAL and not knows_law:
            p.append("法律专业人士须熟悉行政管理法律法规（指南五（四））")
        if cells["email"] and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", cells["email"]):
            p.append("电子邮箱格式不正确")
        username = cells["username"] or phone
        if username and not USERNAME_RE.match(username):
            p.append("登录账号只能使用字母、数字和 @ . + - _，至少 3 位")
        elif username in existing_users:
            p.append(f"登录账号“{username}”已被使用")
        elif username in seen_users:
            p.append(f"登录账号与第 {seen_users[username]} 行重复")
        if username:
            seen_users.setdefault(username, number)
        cells["username"] = username
        cells["title_level"] = levels.get(cells["title_level"], cells["title_level"])
        cells["category_label"] = cells["category"]  # as typed: the preview shows it
        cells["category"] = categories.get(cells["category"], cells["category"])
        cells["declares"] = declares
        cells["knows_law"] = knows_law
        rows.append(row)
    if not rows:
        return Parsed(rows=[], problems=["表格中没有专家数据。"])
    return Parsed(rows=rows)


def _styled_header(sheet):
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F5")
    for i, header in enumerate(HEADERS):
        sheet.column_dimensions[chr(ord("A") + i)].width = max(12, len(header) * 2 + 2)


def template_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "专家名单"
    _styled_header(sheet)
    sheet.append([c[3] for c in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="777777")
    sheet.append(
        [
            "张三",
            "13900000000",
            "zhangsan@example.cn",
            "昌吉市第一中学",
            "中学高级教师",
            "副高级",
            "教育教学专家",
            "数学、综合实践活动",
            "是",
            "否",
            "",
            EXAMPLE_NOTE,
        ]
    )
    subjects = workbook.create_sheet("学科或领域")
    subjects.append(["名称", "类别"])
    for s in Subject.objects.filter(is_active=True):
        subjects.append([s.name, s.get_category_display()])
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def export_bytes(experts) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "专家名单"
    _styled_header(sheet)
    sheet.cell(row=1, column=len(HEADERS) + 1, value="所属专家库").font = Font(bold=True)
    sheet.cell(row=1, column=len(HEADERS) + 2, value="状态").font = Font(bold=True)
    sheet.cell(row=1, column=len(HEADERS) + 3, value="信用管理记录").font = Font(bold=True)
    for e in experts:
        sheet.append(
            [
                e.name,
                e.phone,
                e.email,
                e.employer,
                e.title,
                e.get_title_level_display(),
                e.get_category_display(),
                "、".join(s.name for s in e.subjects.all()),
                "是" if e.declares_no_training_work else "否",
                "是" if e.knows_administrative_law else "否",
                e.user.username,
                e.note,
                e.pool.bureau_name,
                e.get_status_display(),
                len(e.credit_records.all()),
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # Text a clerk typed, never a live formula in the bureau's Excel.
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()
