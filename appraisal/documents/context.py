"""The plain contexts the form templates (附件1, 附件2) take, and what every document gets.

The templates read dicts and lists only, so whoever holds the data (the review, the panel opinion,
the decision) fills them without the templates knowing its models; review_context.py builds
附件1 and 附件2 from the round's records. ``issue_document`` adds to every
context: ``document`` (serial, verification_code), ``bureau``, ``issued_at``, ``verify_url``,
``qr`` (an SVG data URI of verify_url) and ``seal`` (the bureau's active seal image as a data URI).

附件2 (documents/opinion.html) takes::

    institution: {name, credit_code, licence_no, address}
    round_label: "县（市）初次鉴定" or "州级复审鉴定"
    projects:    [{name, subjects: "数学、综合实践活动", grades, result: "academic"|"non_academic"|None,
                  overruled: the panel's result in words when the bureau determined another, or ""}]
    basis:       text (defaults to BASIS, the guide's 三、鉴定依据)
    methods:     [{code, label, used: bool, dates: [date], note}]  (use ``methods()`` to build)
    findings:    [{dimension: "培训目的", text}]                       one per template dimension
    opinion:     {paragraphs: [text], votes_academic, votes_non_academic,
                  dissent: [{name, project, vote: "学科类"|"非学科类", reason}],
                  votes: [{name, academic, non_academic, tie, settled}] (optional: per project,
                  shown when there are several projects; on a tie, ``settled`` is the result the
                  panel settled on in deliberation, in words)}
    experts:     [{name, title, employer, is_leader: bool, signed_at: datetime|None}]
    decision:    {text, decided_at: datetime}  (the bureau's 类别确定 line; optional)
    standing:    text: for the county, the right to a re-review and its last day; for the
                 prefecture, that the result is final and which opinion it replaces (optional)

附件1 (documents/sheet.html) takes::

    institution: {name, credit_code}
    case_number, round_label
    expert:      {name, title, employer}
    template:    {name, version}
    projects:    [{name, subjects, grades,
                   dimensions: [{name,
                                 academic: [{text, ticked}], non_academic: [{text, ticked}],
                                 evidence}],
                   suggested: "academic"|"non_academic"|None, suggestion_reason,
                   vote: "academic"|"non_academic", reason}]
    submitted_at: datetime
"""

import base64
import datetime
import io

from django.conf import settings
from django.urls import reverse

from ..models import BureauSeal
from .seal import seal_data_uri

# 鉴定依据, after the guide's 三.
BASIS = (
    "教育部办公厅《关于进一步明确义务教育阶段校外培训学科类和非学科类范围的通知》（主要依据）；"
    "《义务教育六科超标超前培训负面清单（试行）》、义务教育国家课程方案、各学科课程标准、"
    "《中小学综合实践活动课程指导纲要》；《昌吉州中小学生校外培训服务类别鉴定工作指南》及其附件1鉴定指标。"
)

# 鉴定方式 (guide 八): written review always; the others when needed.
METHODS = [
    ("written", "书面审查"),
    ("site_visit", "实地查看"),
    ("observation", "课堂观摩"),
    ("interview", "个别访谈"),
]

CATEGORY_LABELS = {"academic": "学科类", "non_academic": "非学科类"}


def methods(used: dict) -> list[dict]:
    """The four methods in the guide's order; ``used`` maps a code to its dates (and a note)."""
    rows = []
    for code, label in METHODS:
        entry = used.get(code)
        if isinstance(entry, dict):
            dates, note = entry.get("dates", []), entry.get("note", "")
        else:
            dates, note = entry or [], ""
        rows.append(
            {"code": code, "label": label, "used": code in used, "dates": dates, "note": note}
        )
    return rows


def verification_url(code: str) -> str:
    """The public page confirming a document (settings.APPRAISAL_PUBLIC_BASE_URL + /verify/…)."""
    base = settings.APPRAISAL_PUBLIC_BASE_URL.rstrip("/")
    return base + reverse("verify_document", args=[code])


def qr_data_uri(text: str) -> str:
    """A QR code as a 1-bit PNG data URI, one pixel a module (about 1 KB; printed sharp, since
    the template scales it with image-rendering: pixelated). An SVG is as sharp but its hundreds
    of path pieces cost WeasyPrint ~60 ms to parse."""
    import qrcode  # noqa: PLC0415 (only where a document's QR code is drawn)

    code = qrcode.QRCode(box_size=1, border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image().get_image().convert("1")
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def seal_for(bureau) -> str:
    """The bureau's active seal image (admin-managed), or the generated one as a fallback."""
    seal = BureauSeal.active_for(bureau)
    if seal is not None:
        try:
            with seal.image.open("rb") as fh:
                data = fh.read()
        except (FileNotFoundError, OSError):
            data = None
        if data:
            return "data:image/png;base64," + base64.b64encode(data).decode()
    return seal_data_uri(bureau.bureau_name)


def document_extras(document, bureau) -> dict:
    url = verification_url(document.verification_code)
    return {"verify_url": url, "qr": qr_data_uri(url), "seal": seal_for(bureau)}


# ---- sample contexts, for the tests, the benchmark and a look at the layout ------------------

SAMPLE_EXPERTS = [
    ("马建华", "中学高级教师", "昌吉州第一中学"),
    ("赵丽娟", "小学高级教师", "昌吉市第三小学"),
    ("孙卫东", "副教授", "昌吉学院教育科学学院"),
    ("古丽娜尔·艾力", "一级教师", "昌吉州实验小学"),
    ("王志刚", "律师（三级）", "新疆天山律师事务所"),
]

SAMPLE_FINDINGS = [
    (
        "培训目的",
        "课程方案以“发展逻辑思维、培养探究兴趣”为目标，但教学计划第3页将“提高数学应用题得分”"
        "列为阶段目标，进度安排与小学三年级数学教材单元一一对应。",
    ),
    (
        "培训内容",
        "教材《少儿思维训练（三年级）》共16讲，其中11讲为两位数乘法、分数初步认识、周长计算等"
        "数学课程标准规定的内容；其余5讲为七巧板、数独等益智游戏。",
    ),
    (
        "培训方式",
        "课堂观摩（第2次课）显示以教师讲解例题、学生完成练习册为主要过程，每课时配套课后练习；"
        "动手操作环节约占课时的四分之一。",
    ),
    (
        "结果评价",
        "评价方案设单元测验和期末测试，以测试分数划分“金、银、铜”等级并向家长反馈；"
        "未见作品展示或过程性评价记录。",
    ),
]


def sample_opinion_context(experts: int = 5) -> dict:
    """A full 附件2: five experts, every method, findings on all four dimensions."""
    day = datetime.date(2026, 11, 9)
    signed = datetime.datetime(2026, 11, 20, 7, 0, tzinfo=datetime.UTC)
    panel = SAMPLE_EXPERTS[:experts]
    return {
        "institution": {
            "name": "昌吉市启智教育培训中心",
            "credit_code": "52652301MJ0000001X",
            "licence_no": "教民165230170000001号",
            "address": "昌吉市北京南路 88 号",
        },
        "round_label": "县（市）初次鉴定",
        "projects": [
            {
                "name": "少儿思维训练",
                "subjects": "数学、综合实践活动",
                "grades": "小学一至三年级",
                "result": "academic",
            },
            {
                "name": "机器人编程",
                "subjects": "信息技术",
                "grades": "小学四至六年级",
                "result": "non_academic",
            },
        ],
        "basis": BASIS,
        "methods": methods(
            {
                "written": [day, day + datetime.timedelta(days=1)],
                "site_visit": [day + datetime.timedelta(days=3)],
                "observation": [day + datetime.timedelta(days=3)],
                "interview": {
                    "dates": [day + datetime.timedelta(days=4)],
                    "note": "员工3人、家长4人",
                },
            }
        ),
        "findings": [{"dimension": d, "text": t} for d, t in SAMPLE_FINDINGS],
        "opinion": {
            "paragraphs": [
                "专家组依据鉴定指标，对申请机构提交的培训课程方案、教材、教学计划、课时教案和评价方案进行了"
                "书面审查，并实地查看了培训场所、观摩了课堂教学、访谈了机构员工和学员家长。",
                "“少儿思维训练”项目的培训内容主要为小学数学课程标准规定的内容，以教师讲授和练习巩固为主要过程，"
                "以测验分数评价学习结果，在培训目的、内容、方式和评价四个维度均表现出学科类特征，"
                "专家组认定为学科类。“机器人编程”项目以项目式学习和动手搭建为主，以作品展示评价学习成果，"
                "在四个维度均符合非学科类特征，专家组认定为非学科类。",
            ],
            "votes_academic": max(experts - 1, 0),
            "votes_non_academic": 1 if experts > 1 else 0,
            "dissent": [
                {
                    "name": panel[-1][0],
                    "project": "少儿思维训练",
                    "vote": "非学科类",
                    "reason": "该项目含有较多益智游戏和动手操作。",
                }
            ]
            if experts > 1
            else [],
        },
        "experts": [
            {
                "name": name,
                "title": title,
                "employer": employer,
                "is_leader": i == 0,
                "signed_at": signed + datetime.timedelta(minutes=17 * i),
            }
            for i, (name, title, employer) in enumerate(panel)
        ],
        "decision": {
            "text": "依据专家组鉴定意见，确定上述培训项目的类别如上表“鉴定结果”栏所列。",
            "decided_at": signed + datetime.timedelta(days=1),
        },
        "standing": "培训机构对鉴定结果有不同意见的，可于 2026年12月15日 前向昌吉市教育局提出复审申请"
        "并如实填写复审申请书（附件3）；期满未申请的，本鉴定结果为最终结论。",
    }


def sample_sheet_context(template=None) -> dict:
    """One expert's 附件1 for two projects, from a template's dimensions (or the fixture's words)."""
    if template is not None:
        dims = [
            (d.name, [s.text for s in d.academic_signs], [s.text for s in d.non_academic_signs])
            for d in template.dimensions_with_signs()
        ]
        template_info = {"name": template.name, "version": template.version}
    else:
        dims = [
            ("培训目的", ["以学科知识与技能培训为导向"], ["发展核心素养，培养兴趣爱好"]),
            ("培训内容", ["涉及数学等学科学习内容"], ["综合实践活动等内容"]),
            ("培训方式", ["重在学科知识讲解"], ["以体验式、探究式学习为主要方式"]),
            ("结果评价", ["以学习成绩、考试结果作为主要评价依据"], ["过程性评价，展示、作品"]),
        ]
        template_info = {"name": "校外培训项目类别鉴定指标", "version": 1}
    evidence = dict(SAMPLE_FINDINGS)

    def project(name, subjects, grades, academic: bool):
        rows = []
        for i, (dim, academic_signs, non_academic_signs) in enumerate(dims):
            rows.append(
                {
                    "name": dim,
                    "academic": [
                        {"text": t, "ticked": academic and j == 0}
                        for j, t in enumerate(academic_signs)
                    ],
                    "non_academic": [
                        {"text": t, "ticked": (not academic) or (j == 0 and i == 0)}
                        for j, t in enumerate(non_academic_signs)
                    ],
                    "evidence": evidence.get(dim, "见书面审查记录。")
                    if academic
                    else "机器人编程课程方案第2页；课堂观摩记录（11月12日）。",
                }
            )
        return {
            "name": name,
            "subjects": subjects,
            "grades": grades,
            "dimensions": rows,
            "suggested": "academic" if academic else "non_academic",
            "suggestion_reason": "有维度勾选了学科类特征，依规则提示为学科类。"
            if academic
            else "各维度均只勾选了非学科类特征，依规则提示为非学科类。",
            "vote": "academic" if academic else "non_academic",
            "reason": "培训内容主要为小学数学课程标准内容，以讲授和练习为主。"
            if academic
            else "以项目式学习和作品展示为主，符合非学科类特征。",
        }

    return {
        "institution": {"name": "昌吉市启智教育培训中心", "credit_code": "52652301MJ0000001X"},
        "case_number": "昌市-2026-0001",
        "round_label": "县（市）初次鉴定",
        "expert": {"name": "马建华", "title": "中学高级教师", "employer": "昌吉州第一中学"},
        "template": template_info,
        "projects": [
            project("少儿思维训练", "数学、综合实践活动", "小学一至三年级", True),
            project("机器人编程", "信息技术", "小学四至六年级", False),
        ],
        "submitted_at": datetime.datetime(2026, 11, 18, 10, 30, tzinfo=datetime.UTC),
    }


def remedy(bureau, what: str = "决定", received: str = "") -> str:
    """The legal remedies against a final decision of ``bureau``: administrative review by the
    government at its level, or a suit (行政复议法, 行政诉讼法). ``received``: the document whose
    receipt starts the time, when the text names it (“本通知书”)."""
    return (
        f"如对本{what}不服，可以自收到{received}之日起六十日内向{bureau.name}人民政府申请行政复议，"
        f"或者自收到{received}之日起六个月内依法向人民法院提起行政诉讼。"
    )
