from django import forms

from appraisal.filing.cases import open_applications
from appraisal.models import CaseState, MaterialKind, ReviewActivity, Seat
from appraisal.panel.algorithm import witness_value_problem
from appraisal.panel.draws import WITNESS_REFUSED
from appraisal.review.indicators import ACADEMIC, NON_ACADEMIC
from appraisal.workflow.states import RETURNED, RETURNED_LABEL
from common.forms import IdField, IdsField, MultipleFileField, NamesRequiredFields
from common.limits import NOTE_MAX, REASON_MAX, TEXT_MAX
from institutions.models import TrainingProject
from portal.models import User
from portal.reauth import REUSED, ReauthField, check_presence


class ChoicesSomeTaken(forms.CheckboxSelectMultiple):
    """Checkboxes of which those in ``taken`` (values) are shown but cannot be ticked."""

    taken = frozenset()

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if getattr(value, "value", value) in self.taken:
            option["attrs"]["disabled"] = True
        return option


class ApplicationForm(NamesRequiredFields, forms.Form):
    projects = IdsField(
        label="申请鉴定的培训项目",
        queryset=TrainingProject.objects.none(),
        widget=ChoicesSomeTaken,
        error_messages={"required": "请至少选择一个申请鉴定的培训项目。"},
    )
    statement = forms.CharField(
        label="申请事由",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="说明项目在审批中有争议或界限模糊之处，以及机构对照鉴定指标所作的自我研判。",
        error_messages={"required": "请填写申请事由。"},
    )

    def __init__(self, *args, institution, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["projects"]
        field.queryset = TrainingProject.objects.filter(
            institution=institution, is_active=True
        ).prefetch_related("subjects")
        taken = open_applications(field.queryset, case)  # named by another application

        def label(project):
            if project.pk in taken:
                return f"{project.name}（已在鉴定申请 {taken[project.pk][0]} 中）"
            return project.name

        field.label_from_instance = label
        # A project in another application cannot be ticked (the service refuses it too); it
        # stays listed, with the application it is in.
        field.widget.taken = frozenset(taken)
        self.all_taken = bool(taken) and all(p.pk in taken for p in field.queryset)


class MaterialUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="材料类别", choices=[("", "请选择")] + list(MaterialKind.choices)
    )
    file = MultipleFileField(
        label="文件",
        help_text="可一次选择多个文件，均归入所选材料类别。",
        error_messages={"required": "请选择要上传的文件。", "empty": "文件为空，请重新选择文件。"},
    )
    note = forms.CharField(label="说明", required=False, max_length=200)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = "请选择材料类别。"


class ReturnForm(NamesRequiredFields, forms.Form):
    missing = forms.MultipleChoiceField(
        label="需补正的材料",
        choices=MaterialKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="补正说明",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明需补正或更正的具体内容。",
    )


class ReasonForm(NamesRequiredFields, forms.Form):
    reason = forms.CharField(
        label="理由",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请写明理由。"},
    )


class OptionalNoteForm(NamesRequiredFields, forms.Form):
    note = forms.CharField(
        label="说明", required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "机构名称或案件编号"}),
    )
    state = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[
            ("", "全部状态"),
            *CaseState.choices[:1],  # 草稿, then the drafts sent back
            (RETURNED, RETURNED_LABEL),
            *CaseState.choices[1:],
        ],
    )
    bureau = IdField(label="县（市）", required=False)


class WitnessFields(forms.Form):
    """The witness (监督人) enters their own account, password and value at the clerk's screen."""

    # Typed by the witness at the clerk's screen: the browser must not fill in the clerk's own
    # saved login (it ignores "off" on a password field, not "new-password").
    witness_username = forms.CharField(
        label="监督人账户",
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    witness_password = forms.CharField(
        label="监督人密码",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="监督人本人输入登录密码。",
    )
    witness_token = forms.CharField(
        label="监督人动态口令",
        required=False,
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "class": "short"}
        ),
        help_text="监督人手机上当前的 6 位动态口令（或一个备用验证码），证明监督人本人在场。",
    )
    witness_value = forms.CharField(
        label="监督人随机数",
        required=False,
        max_length=100,
        strip=False,  # hashed as typed: a space is refused with a message, not dropped unseen
        help_text="由监督人当场自行选定并输入（数字、字母或汉字，不含空格，至多 100 个字符），"
        "与系统随机值共同决定抽取结果。",
        error_messages={"max_length": "监督人随机数不能超过 100 个字符。"},
    )
    commitment = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={  # a hand-edited or lost hidden field: the page is no longer the one shown
            "required": "抽取页面已过期，请刷新后重新操作。",
            "invalid": "抽取页面已过期，请刷新后重新操作。",
        },
    )

    def __init__(self, *args, request=None, about=None, **kwargs):
        self.request = request
        self.about = about or {}  # the case and commitment, for the audit of a failed check
        super().__init__(*args, **kwargs)

    def clean_witness_value(self):
        value = self.cleaned_data.get("witness_value") or ""
        if not value.strip():
            return ""  # nothing typed (or only spaces): as if left empty
        problem = witness_value_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean(self):
        data = super().clean()
        username = (data.get("witness_username") or "").strip()
        data["witness"] = None
        if self.has_error("witness_value"):  # its own message says what is wrong with it; the
            return data  # witness is not checked (a code, once accepted, cannot be used again)
        if username and not (data.get("witness_value") or "").strip():
            # Asked before the code is checked: a code, once accepted, cannot be used again.
            raise forms.ValidationError("请监督人输入自己选定的随机数或字符串。")
        if username:
            witness = User.objects.filter(username=username, is_active=True).first()
            # Both factors, as at login: the password alone, which a colleague may know, does not
            # put the witness in the room. Failures count against the witness's account.
            error = witness is None or check_presence(
                witness,
                data.get("witness_password") or "",
                data.get("witness_token") or "",
                request=self.request,
                about=self.about,
            )
            if error:  # a reused code is told apart only after the right password
                raise forms.ValidationError(REUSED if error == REUSED else WITNESS_REFUSED)
            data["witness"] = witness
        elif data.get("witness_value"):
            raise forms.ValidationError("请监督人输入账户、密码和动态口令，或清空监督人随机数。")
        return data


class DrawForm(WitnessFields):
    panel_size = forms.TypedChoiceField(
        label="专家组人数",
        choices=[(3, "3 人"), (4, "4 人"), (5, "5 人")],
        coerce=int,
        initial=3,
        help_text="3 至 5 人，一般取单数；4 人表决票数相同时，须由专家组合议确定结果。",
        error_messages={
            "required": "请选择专家组人数（3 至 5 人）。",
            "invalid_choice": "专家组人数须为 3 至 5 人。",
        },
    )
    subjects = forms.MultipleChoiceField(
        label="学科组成要求",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="所选每个学科或领域至少抽取一名专家（专家库中确无该学科专家的除外）。",
    )
    legal_seat = forms.BooleanField(label="至少一名法律专业人士", required=False)

    field_order = ["panel_size", "subjects", "legal_seat"]

    def __init__(self, *args, subject_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].choices = list(subject_choices)


class AcceptInvitationForm(forms.Form):
    confirmed = forms.MultipleChoiceField(
        label="独立性及无利害关系声明",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "接受邀请须逐项确认声明。"},
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmed"].choices = list(items)


class DeclineInvitationForm(NamesRequiredFields, forms.Form):
    reason = forms.ChoiceField(
        label="谢绝原因", choices=[], error_messages={"required": "请选择谢绝原因。"}
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="存在利害关系或其他原因的，请写明具体情况（不会告知申请机构）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "请选择")] + list(Seat.DeclineReason.choices)


# ---- the review of a round ---------------------------------------------------------------------
class ActivityForm(NamesRequiredFields, forms.Form):
    """A review record (guide 八); its files come as ``files`` (several allowed)."""

    kind = forms.ChoiceField(label="活动类别", choices=[("", "请选择")])
    date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写活动日期。", "invalid": "日期格式不正确。"},
    )
    place = forms.CharField(
        label="地点", max_length=200, error_messages={"required": "请填写活动地点。"}
    )
    attendees = forms.CharField(
        label="参加人员",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="专家组成员、教育局工作人员；访谈的机构员工、学生、家长等",
        error_messages={"required": "请填写参加人员。"},
    )
    findings = forms.CharField(
        label="情况记录",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, kinds=None, **kwargs):
        """``kinds``: those that may be recorded now (``reviews.recordable_kinds``), all if None."""
        super().__init__(*args, **kwargs)
        choices = [
            (k, label) for k, label in ReviewActivity.Kind.choices if kinds is None or k in kinds
        ]
        self.fields["kind"].choices = [("", "请选择"), *choices]


class LeaderForm(forms.Form):
    seat = forms.IntegerField(error_messages={"required": "请选择专家组组长。"})


class OpinionForm(NamesRequiredFields, forms.Form):
    """The leader's draft: the reasoning and, per dimension of the indicators, 鉴定情况."""

    reasoning = forms.CharField(
        label="专家组鉴定意见（理由）",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "请填写专家组鉴定意见（理由）。"},
    )

    def __init__(self, *args, dimensions=(), ties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.dimension_names = list(dimensions)
        self.tied = [r["project"] for r in ties]
        for r in ties:  # no majority: the result the panel settled on in deliberation
            self.fields[f"settled_{r['project']}"] = forms.ChoiceField(
                label=f"“{r['name']}”表决票数相同（{r['academic']}:{r['non_academic']}），"
                "经专家组合议认定为",
                choices=[(ACADEMIC, "学科类"), (NON_ACADEMIC, "非学科类")],
                widget=forms.RadioSelect,
                help_text="请组织专家组合议，在意见中写明合议情况；全体成员签署即确认合议结果。",
                error_messages={"required": f"“{r['name']}”票数相同，请写明专家组合议确定的结果。"},
            )
        for i, name in enumerate(self.dimension_names):
            self.fields[f"finding_{i}"] = forms.CharField(  # 附件2 states each dimension
                label=f"鉴定情况：{name}",
                max_length=REASON_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "required": f"请填写{name}方面的鉴定情况（意见书逐项列明）。",
                    "max_length": f"{name}方面的鉴定情况不能超过 %(limit_value)d 个字"
                    "（现有 %(show_value)d 个）。",
                },
            )

    def settled(self) -> dict:
        return {pk: self.cleaned_data[f"settled_{pk}"] for pk in self.tied}

    def findings(self) -> dict:
        return {
            name: self.cleaned_data.get(f"finding_{i}", "")
            for i, name in enumerate(self.dimension_names)
        }


class SignOpinionForm(forms.Form):
    """签署: the member confirms having read the text, and re-enters the password or a TOTP code
    (checked by the service, see portal/reauth.py)."""

    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(
        label="我已核对上述鉴定意见全文和鉴定结果，同意签署",
        error_messages={"required": "请确认已核对鉴定意见全文和鉴定结果。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reauth"] = ReauthField()


class StampForm(NamesRequiredFields, forms.Form):
    """确定类别并盖章: per project the category (the opinion's by default), a reason when it
    differs, and the password or a TOTP code."""

    reason = forms.CharField(
        label="与专家组意见不同的理由",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="确定的类别与专家组鉴定意见不同时必须填写。",
    )

    def __init__(self, *args, results=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.results = list(results)
        for r in self.results:
            self.fields[f"category_{r['project']}"] = forms.ChoiceField(
                label=r["name"],
                choices=[("academic", "学科类"), ("non_academic", "非学科类")],
                initial=r["result"],
                widget=forms.RadioSelect,
            )
        self.fields["reason"] = self.fields.pop("reason")  # after the categories it explains
        self.fields["reauth"] = ReauthField()

    def categories(self) -> dict:
        return {r["project"]: self.cleaned_data[f"category_{r['project']}"] for r in self.results}


class RereviewRequestForm(NamesRequiredFields, forms.Form):
    """附件3 as the institution fills it; the files come as ``files`` (several at once). The
    service says what is missing, so nothing here is required."""

    reasons = forms.CharField(
        label="申请复审的理由",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请逐项说明对原鉴定结果的不同意见及其事实和依据。",
    )
    declared = forms.BooleanField(label="真实性声明", required=False)


class CountyOpinionForm(NamesRequiredFields, forms.Form):
    opinion = forms.CharField(
        label="县（市）教育局意见",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
