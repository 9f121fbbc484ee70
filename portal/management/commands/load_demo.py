"""Demo data: jurisdictions, accounts for every role, two institutions and cases in several states.

Run by the README's serve command. Safe to run twice: it does nothing if the demo accounts exist.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from stdnum.cn import uscc

from appraisal.documents import render_pdf
from appraisal.documents.seal import seal_png
from appraisal.models import BureauSeal, IndicatorTemplate, MaterialKind
from appraisal.services import cases as case_services
from appraisal.services.materials import upload_material
from institutions.models import Institution, TrainingProject
from portal.models import Bureau, Subject, User

DEMO_PASSWORD = "jianding2026"

# (role, username, full name, bureau code or None)
STAFF = [
    ("admin", "admin", "系统管理员", None),
    ("prefecture", "zhou_clerk", "州教育局 王科长", "652300"),
    ("county", "changji_clerk", "昌吉市教育局 李老师", "652301"),
    ("county", "fukang_clerk", "阜康市教育局 张老师", "652302"),
    ("expert", "expert_ma", "马建华", None),
    ("expert", "expert_zhao", "赵丽娟", None),
    ("expert", "expert_sun", "孙卫东", None),
]


def credit_code(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


class Command(BaseCommand):
    help = "载入演示数据（辖区、各角色账户、机构与不同状态的案件）。"

    def handle(self, *args, **options):
        call_command("loaddata", "fixtures/changji.json", verbosity=0)
        # The indicators (附件1) come with the migrations; load them if the tables were emptied.
        if not IndicatorTemplate.objects.exists():
            call_command("loaddata", "fixtures/indicators.json", verbosity=0)
        # Before anything is issued: every document is signed with its bureau's key.
        call_command("make_signing_keys", verbosity=0, stdout=self.stdout)
        if User.objects.filter(username="changji_clerk").exists():
            self.stdout.write("演示数据已存在，跳过。")
            return
        with transaction.atomic():
            self._load()
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已载入。所有演示账户的密码均为 {DEMO_PASSWORD}")
        )

    def _load(self):
        bureaus = {b.code: b for b in Bureau.objects.all()}
        for bureau in bureaus.values():
            if not BureauSeal.objects.filter(bureau=bureau).exists():
                seal = BureauSeal(bureau=bureau, is_generated=True, note="演示用生成印章")
                png = seal_png(bureau.bureau_name)
                seal.sha256 = hashlib.sha256(png).hexdigest()
                seal.image.save("seal.png", ContentFile(png), save=False)
                seal.save()
        for role, username, name, code in STAFF:
            user = User(username=username, full_name=name, role=role, bureau=bureaus.get(code))
            if role == "admin":
                user.is_staff = user.is_superuser = True
            user.set_password(DEMO_PASSWORD)
            user.save()

        subjects = {s.code: s for s in Subject.objects.all()}
        qizhi = Institution.objects.create(
            name="昌吉市启智教育培训中心",
            credit_code=credit_code("52652301MJ" + "0000001"),
            licence_no="教民165230170000001号",
            county=bureaus["652301"],
            address="昌吉市北京南路 88 号",
            legal_representative="陈明",
            contact_name="刘芳",
            contact_phone="13899001234",
        )
        hanmo = Institution.objects.create(
            name="阜康市翰墨艺术培训学校",
            credit_code=credit_code("52652302MJ" + "0000002"),
            licence_no="",
            county=bureaus["652302"],
            address="阜康市天池街 16 号",
            legal_representative="周静",
            contact_name="周静",
            contact_phone="0994-3221188",
        )
        for inst, username, name in [(qizhi, "inst_qizhi", "刘芳"), (hanmo, "inst_hanmo", "周静")]:
            user = User(username=username, full_name=name, role="institution", institution=inst)
            user.set_password(DEMO_PASSWORD)
            user.save()

        def project(inst, name, codes, grades, description):
            p = TrainingProject.objects.create(
                institution=inst, name=name, grades=grades, description=description
            )
            p.subjects.set([subjects[c] for c in codes])
            return p

        thinking = project(
            qizhi,
            "少儿思维训练",
            ["mathematics", "integrated-practice"],
            "小学一至三年级",
            "以游戏和动手操作发展逻辑思维，含数独、七巧板、推理游戏等，课后不布置书面作业。",
        )
        reading = project(
            qizhi,
            "绘本阅读与表达",
            ["chinese"],
            "小学一至二年级",
            "以绘本共读、角色扮演和故事创编培养阅读兴趣与口头表达。",
        )
        robot = project(
            qizhi,
            "机器人编程",
            ["it"],
            "小学四至六年级",
            "以项目式学习搭建和编程控制机器人，期末进行作品展示。",
        )
        calligraphy = project(
            hanmo,
            "硬笔书法",
            ["fine-arts", "chinese"],
            "小学一至六年级",
            "规范汉字书写与书法欣赏，按教材练习硬笔楷书，定期举办作品展。",
        )

        inst_qizhi = User.objects.get(username="inst_qizhi")
        inst_hanmo = User.objects.get(username="inst_hanmo")
        changji = User.objects.get(username="changji_clerk")
        fukang = User.objects.get(username="fukang_clerk")

        samples = {
            kind: render_pdf("documents/sample_material.html", {"title": label})
            for kind, label in MaterialKind.choices
        }

        def upload_all(user, case, kinds):
            for kind in kinds:
                upload_material(
                    user,
                    case.pk,
                    kind=kind,
                    uploaded=SimpleUploadedFile(
                        f"{MaterialKind(kind).label}.pdf", samples[kind], "application/pdf"
                    ),
                )

        required = [
            "course_scheme",
            "textbook",
            "syllabus",
            "teaching_plan",
            "schedule",
            "lesson_plans",
            "assessment_plan",
        ]
        # 1. A draft still being prepared (materials incomplete).
        draft = case_services.create_case(
            inst_qizhi,
            projects=[robot],
            statement="机器人编程项目含部分数学运算内容，审批中对其类别存在争议，申请鉴定。",
        )
        upload_all(inst_qizhi, draft, ["course_scheme", "syllabus"])
        # 2. Submitted, waiting in the county's inbox.
        submitted = case_services.create_case(
            inst_qizhi,
            projects=[thinking],
            statement=(
                "本机构“少儿思维训练”项目以游戏和操作活动为主，但涉及数学思维内容，审批中对其属于学科类"
                "还是非学科类存在争议。经对照鉴定指标自评，机构认为属于非学科类，特申请鉴定。"
            ),
        )
        upload_all(inst_qizhi, submitted, required + ["supplementary"])
        case_services.submit_case(inst_qizhi, submitted.pk)
        # 3. Returned for completion (补正), back with the institution.
        returned = case_services.create_case(
            inst_qizhi,
            projects=[reading],
            statement="绘本阅读项目与语文学科内容的界限不清，申请鉴定。",
        )
        upload_all(inst_qizhi, returned, required)
        case_services.submit_case(inst_qizhi, returned.pk)
        case_services.return_case(
            changji,
            returned.pk,
            missing_kinds=["lesson_plans"],
            note="课时教案仅有两课时，请补充完整学期的课时教案。",
        )
        # 4. Accepted in 阜康市, the county round has begun.
        accepted = case_services.create_case(
            inst_hanmo,
            projects=[calligraphy],
            statement="硬笔书法项目涉及汉字书写，与语文学科的界限模糊，申请鉴定。",
        )
        upload_all(inst_hanmo, accepted, required)
        case_services.submit_case(inst_hanmo, accepted.pk)
        case_services.accept_case(fukang, accepted.pk, note="材料齐全，予以受理。")
