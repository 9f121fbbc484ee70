"""Demo data: jurisdictions, accounts for every role, two institutions and cases in several states.

Run by the README's serve command. Safe to run twice: it does nothing if the demo accounts exist.
"""

import hashlib
from base64 import b32decode
from dataclasses import replace

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm
from stdnum.cn import uscc

from appraisal import scenario
from appraisal.documents import render_pdf
from appraisal.documents.seal import seal_png
from appraisal.models import BureauSeal, CaseState, IndicatorTemplate, MaterialKind
from appraisal.review import activities
from appraisal.review import opinion as opinions
from appraisal.review import read as review_read
from experts.models import Expert, ExpertCreditRecord
from institutions.models import Institution, TrainingProject
from portal.models import SEAL, Bureau, Subject, User
from portal.reauth import requires_second_factor

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
    ("supervisor", "jiandu", "州教育局纪检监察室 何监督", "652300"),
]

# The expert pools (guide 五): (username, name, pool code, employer, title, level, category,
# subjects). The first three are the demo experts above; the rest log in with the same password.
EXPERTS = [
    (
        "expert_ma",
        "马建华",
        "652302",
        "阜康市第一中学",
        "中学高级教师",
        "vice_senior",
        "education",
        ["chinese"],
    ),
    (
        "expert_zhao",
        "赵丽娟",
        "652302",
        "阜康市第二小学",
        "小学高级教师",
        "vice_senior",
        "education",
        ["fine-arts", "chinese"],
    ),
    (
        "expert_sun",
        "孙卫东",
        "652302",
        "阜康市教育研究室",
        "中学一级教师",
        "intermediate",
        "education",
        ["fine-arts"],
    ),
    (
        "expert_fk01",
        "钱文静",
        "652302",
        "阜康市第三中学",
        "中学一级教师",
        "intermediate",
        "education",
        ["chinese"],
    ),
    (
        "expert_fk02",
        "郑国庆",
        "652302",
        "阜康市实验小学",
        "小学高级教师",
        "vice_senior",
        "education",
        ["fine-arts"],
    ),
    (
        "expert_fk03",
        "冯晓燕",
        "652302",
        "阜康市第一小学",
        "小学一级教师",
        "intermediate",
        "education",
        ["chinese", "morality-law"],
    ),
    (
        "expert_fk04",
        "陈志远",
        "652302",
        "阜康市第二中学",
        "中学高级教师",
        "vice_senior",
        "education",
        ["music", "fine-arts"],
    ),
    (
        "expert_fk05",
        "褚海峰",
        "652302",
        "新疆天池律师事务所",
        "律师（二级）",
        "vice_senior",
        "legal",
        [],
    ),
    (
        "expert_cj01",
        "卫红梅",
        "652301",
        "昌吉市第一中学",
        "中学高级教师",
        "vice_senior",
        "education",
        ["mathematics"],
    ),
    (
        "expert_cj02",
        "蒋立新",
        "652301",
        "昌吉市第三小学",
        "小学高级教师",
        "vice_senior",
        "education",
        ["mathematics"],
    ),
    (
        "expert_cj03",
        "沈雅琴",
        "652301",
        "昌吉市第二中学",
        "中学一级教师",
        "intermediate",
        "education",
        ["mathematics", "physics"],
    ),
    (
        "expert_cj04",
        "韩冬梅",
        "652301",
        "昌吉市教育研究室",
        "中学正高级教师",
        "senior",
        "education",
        ["integrated-practice", "it"],
    ),
    (
        "expert_cj05",
        "杨光明",
        "652301",
        "昌吉市第五小学",
        "小学高级教师",
        "vice_senior",
        "education",
        ["integrated-practice"],
    ),
    (
        "expert_cj06",
        "朱丽华",
        "652301",
        "昌吉市第四中学",
        "中学一级教师",
        "intermediate",
        "education",
        ["chinese"],
    ),
    (
        "expert_cj07",
        "秦晓东",
        "652301",
        "昌吉市实验中学",
        "中学高级教师",
        "vice_senior",
        "education",
        ["it", "mathematics"],
    ),
    (
        "expert_cj08",
        "尤静",
        "652301",
        "昌吉市第二小学",
        "小学一级教师",
        "intermediate",
        "education",
        ["chinese", "integrated-practice"],
    ),
    (
        "expert_cj09",
        "许志强",
        "652301",
        "新疆庭州律师事务所",
        "律师（三级）",
        "intermediate",
        "legal",
        [],
    ),
    (
        "expert_zh01",
        "何振华",
        "652300",
        "昌吉州教育考试中心",
        "中学正高级教师",
        "senior",
        "education",
        ["mathematics", "physics"],
    ),
    (
        "expert_zh02",
        "吕淑芬",
        "652300",
        "昌吉州第一中学",
        "中学高级教师",
        "vice_senior",
        "education",
        ["chinese", "history"],
    ),
    (
        "expert_zh03",
        "施建国",
        "652300",
        "昌吉州第二中学",
        "中学高级教师",
        "vice_senior",
        "education",
        ["english"],
    ),
    (
        "expert_zh04",
        "张美玲",
        "652300",
        "昌吉州教育考试中心",
        "中学高级教师",
        "vice_senior",
        "education",
        ["fine-arts", "music"],
    ),
    (
        "expert_zh05",
        "孔德明",
        "652300",
        "昌吉州实验小学",
        "小学高级教师",
        "vice_senior",
        "education",
        ["integrated-practice", "it", "labour", "mathematics"],
    ),
    (
        "expert_zh06",
        "曹丽",
        "652300",
        "昌吉州第三中学",
        "中学一级教师",
        "intermediate",
        "education",
        ["mathematics"],
    ),
    (
        "expert_zh08",
        "马晓燕",
        "652300",
        "昌吉州第五中学",
        "中学高级教师",
        "vice_senior",
        "education",
        ["mathematics"],
    ),
    (
        "expert_zh07",
        "严正",
        "652300",
        "新疆昌吉律师事务所",
        "律师（二级）",
        "vice_senior",
        "legal",
        [],
    ),
]


def credit_code(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


# The demo's staff, experts, supervisor and admin share one published TOTP secret, so that whoever
# tries the demo can add it to any authenticator app once (or run ``manage.py demo_totp``). Real
# accounts enrol their own device with a fresh secret on first login.
DEMO_TOTP_SECRET = "JDDEMOCHANGJITWOZEROTWOSIXJDDEMO"


def enrol_demo_devices():
    key = b32decode(DEMO_TOTP_SECRET).hex()
    for user in User.objects.all():
        if requires_second_factor(user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="演示动态口令", key=key, confirmed=True)


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
            enrol_demo_devices()
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
        # One hash for every demo account: the password hasher is slow on purpose.
        password = make_password(DEMO_PASSWORD)
        for role, username, name, code in STAFF:
            user = User(username=username, full_name=name, role=role, bureau=bureaus.get(code))
            if role == "admin":
                user.is_staff = user.is_superuser = True
            user.password = password
            user.save()
        self._load_experts(bureaus, password)

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
        # The demo's words for the steps the cases take (appraisal.scenario drives them).
        demo = scenario.Script(
            material=lambda kind: SimpleUploadedFile(
                f"{MaterialKind(kind).label}.pdf", samples[kind], "application/pdf"
            ),
            accept_note="材料齐全，予以受理。",
            # Every draw is witnessed: the prefecture's supervisor, as the portal requires.
            witness=lambda round: User.objects.get(username="jiandu"),
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

        def new_case(to, applicant, projects, statement, clerk=None, materials=required, **words):
            return scenario.new_case_at(
                to,
                applicant=applicant,
                projects=projects,
                statement=statement,
                materials=materials,
                clerk=clerk,
                password=DEMO_PASSWORD,
                script=replace(demo, **words),
            ).case

        # 1. A draft still being prepared (materials incomplete).
        new_case(
            CaseState.DRAFT,
            inst_qizhi,
            [robot],
            "机器人编程项目含部分数学运算内容，审批中对其类别存在争议，申请鉴定。",
            materials=["course_scheme", "syllabus"],
        )
        # 2. Submitted, waiting in the county's inbox.
        new_case(
            CaseState.SUBMITTED,
            inst_qizhi,
            [thinking],
            "本机构“少儿思维训练”项目以游戏和操作活动为主，但涉及数学思维内容，审批中对其属于学科类"
            "还是非学科类存在争议。经对照鉴定指标自评，机构认为属于非学科类，特申请鉴定。",
            materials=required + ["supplementary"],
        )
        # 3. Returned for completion (补正), back with the institution.
        new_case(
            scenario.RETURNED,
            inst_qizhi,
            [reading],
            "绘本阅读项目与语文学科内容的界限不清，申请鉴定。",
            changji,
            missing=("lesson_plans",),
            return_note="课时教案仅有两课时，请补充完整学期的课时教案。",
        )
        # 4. Accepted in 阜康市, the county round has begun.
        new_case(
            CaseState.ACCEPTED,
            inst_hanmo,
            [calligraphy],
            "硬笔书法项目涉及汉字书写，与语文学科的界限模糊，申请鉴定。",
            fukang,
        )

        # The clerks entrusted with their bureau's seal (印章保管) may decide and stamp.
        for username in ("changji_clerk", "fukang_clerk", "zhou_clerk"):
            clerk = User.objects.get(username=username)
            assign_perm(SEAL, clerk, clerk.bureau)
        changji = User.objects.get(pk=changji.pk)
        fukang = User.objects.get(pk=fukang.pk)

        # 5. In review in 昌吉市: the panel sits, the opening meeting is recorded, a leader is
        #    named; the experts still have to fill their sheets.
        sudoku = project(
            qizhi,
            "数独与逻辑游戏",
            ["mathematics"],
            "小学三至六年级",
            "以数独、数字谜题和逻辑推理游戏为主，每期结束举办解题挑战赛。",
        )
        reviewing = new_case(
            CaseState.IN_REVIEW,
            inst_qizhi,
            [sudoku],
            "数独与逻辑游戏项目涉及数学推理，审批中对其类别存在争议，申请鉴定。",
            changji,
        )
        activities.record_activity(
            changji,
            reviewing.current_round,
            kind="opening_meeting",
            date=timezone.localdate(),
            place="昌吉市教育局三楼会议室",
            attendees="专家组全体成员；昌吉市教育局 李老师",
            findings="宣讲“双减”政策和鉴定指标，明确独立鉴定、回避和保密要求。",
        )
        seats = review_read.accepted_seats(reviewing.current_round)
        opinions.set_leader(changji, reviewing.current_round, seats[0].pk)

        # 6. Decided in 阜康市: a class observed, then sheets, the leader's opinion, every
        #    signature, the seal, 附件2.
        painting = project(
            hanmo,
            "少儿国画",
            ["fine-arts"],
            "小学三至六年级",
            "学习国画笔墨技法，临摹与写生相结合，学期末举办作品展。",
        )
        decided = new_case(
            CaseState.IN_REVIEW,
            inst_hanmo,
            [painting],
            "少儿国画项目使用美术教材，与学科类培训的界限需要明确，申请鉴定。",
            fukang,
        )
        activities.record_activity(
            fukang,
            decided.current_round,
            kind="class_observation",
            date=timezone.localdate(),
            place="阜康市天池街 16 号 二楼画室",
            attendees="专家组全体成员；阜康市教育局 张老师",
            findings="学生临摹《墨虾》并写生静物，教师示范笔墨技法后个别指导，未见书面练习或测验。",
        )
        scenario.drive(
            decided,
            CaseState.DECIDED,
            clerk=fukang,
            password=DEMO_PASSWORD,
            script=replace(
                demo,
                vote="non_academic",
                vote_reasons="以技法练习、写生和作品展示为主，属艺术类培训。",
                reasoning=(
                    "专家组书面审查了课程方案、教材和评价方案，观摩了课堂教学。该项目以国画技法练习、"
                    "临摹与写生为主要过程，以作品展评价学习结果，四个维度均符合非学科类特征。"
                ),
                findings={
                    "培训目的": "课程方案以培养审美情趣和国画兴趣为目标，与学科考试无关。",
                    "培训内容": "教材为国画技法（笔墨、构图、设色），属艺术（美术）类内容。",
                    "培训方式": "课堂观摩所见以教师示范、学生练习和个别指导为主。",
                    "结果评价": "以学期末作品展示和过程记录评价，无测验。",
                },
            ),
        )

        # 7. A re-review forwarded to the prefecture: decided 学科类 in 昌吉市, the institution
        #    asked for a re-review (附件3), the county forwarded it; 州教育局 signs for it and draws.
        coding = project(
            qizhi,
            "趣味编程与数学",
            ["it", "mathematics"],
            "小学四至六年级",
            "以图形化编程完成数学小游戏和动画作品，学期末举办作品展示会。",
        )
        new_case(
            CaseState.REREVIEW_FORWARDED,
            inst_qizhi,
            [coding],
            "趣味编程与数学项目结合编程与数学内容，审批中对其类别存在争议，申请鉴定。",
            changji,
            vote="academic",
            vote_reasons="数学小游戏的内容与小学数学课程标准对应，以练习为主。",
            reasoning="专家组书面审查了课程方案和教材，数学小游戏的内容与课程标准对应，按学科类管理。",
            findings={
                "培训目的": "课程方案以提高计算速度和应用题得分为目标。",
                "培训内容": "教材各讲与小学数学课程标准的单元一一对应。",
                "培训方式": "以教师讲解例题、学生完成练习为主。",
                "结果评价": "以单元测验分数评价学习结果。",
            },
            rereview_reasons=(
                "专家组认为本项目以数学知识训练为主，但本项目以编程完成作品为主要过程，数学内容仅为"
                "作品所需；评价以学期末作品展示为主，不组织测验。请求州教育局复审。"
            ),
            rereview_files=lambda: [
                SimpleUploadedFile("学期作品展示记录.pdf", samples["other"], "application/pdf")
            ],
            forward_opinion="申请理由具体，所附材料齐全，同意复审，报送州教育局。",
        )

    def _load_experts(self, bureaus, password):
        """The pools of the prefecture, 昌吉市 and 阜康市, enough for a draw on every demo case."""
        subjects = {s.code: s for s in Subject.objects.all()}
        for n, (username, name, code, employer, title, level, category, codes) in enumerate(
            EXPERTS, start=1
        ):
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, full_name=name, role="expert", password=password)
            user.email = f"{username}@example.cn"
            user.save()
            expert = Expert.objects.create(
                user=user,
                name=name,
                employer=employer,
                title=title,
                title_level=level,
                category=category,
                pool=bureaus[code],
                phone=f"139{9000_0000 + n:08d}",
                email=f"{username}@example.cn",
                declares_no_training_work=True,
                knows_administrative_law=category == "legal",
            )
            expert.subjects.set([subjects[c] for c in codes])
        # A suspended expert and one whose engagement ended (guide 九(三)): the draws skip both.
        fukang_clerk = User.objects.get(username="fukang_clerk")
        for username, name, subject, phone, status in [
            ("expert_fk06", "魏晓明", "chinese", "13999100006", "suspended"),
            ("expert_fk07", "蒋春华", "fine-arts", "13999100007", "active"),
        ]:
            user = User.objects.create(
                username=username, full_name=name, role="expert", password=password
            )
            expert = Expert.objects.create(
                user=user,
                name=name,
                employer="阜康市第四中学",
                title="中学一级教师",
                title_level="intermediate",
                category="education",
                pool=bureaus["652302"],
                phone=phone,
                declares_no_training_work=True,
                status=status,
            )
            expert.subjects.set([subjects[subject]])
            if username == "expert_fk07":
                ExpertCreditRecord.objects.create(
                    expert=expert,
                    kind="neglect",
                    reason="2025 年参与鉴定时未审阅材料即签署意见。",
                    evidence="阜康市教育局 2025 年鉴定工作检查记录",
                    bureau=bureaus["652302"],
                    recorded_by=fukang_clerk,
                )
