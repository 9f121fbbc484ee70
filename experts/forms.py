from django import forms

from common.forms import IdField, IdsField, NamesRequiredFields
from institutions.models import Institution
from portal.models import Subject

from .models import Expert, ExpertCreditRecord, ExpertTie
from .sheets import MOBILE_RE


class ExpertForm(NamesRequiredFields, forms.ModelForm):
    username = forms.RegexField(
        label="登录账号",
        regex=r"^[\w.@+-]{3,150}$",
        required=False,
        help_text="可空，默认使用手机号码；初始密码由系统管理员设置。",
        error_messages={"invalid": "登录账号只能使用字母、数字和 @ . + - _，至少 3 位。"},
    )
    subjects = IdsField(
        label="擅长学科或领域",
        queryset=Subject.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Expert
        fields = [
            "name",
            "employer",
            "title",
            "title_level",
            "category",
            "subjects",
            "phone",
            "email",
            "status",
            "declares_no_training_work",
            "knows_administrative_law",
            "note",
        ]
        error_messages = {
            "title_level": {
                "invalid_choice": "职称等级须为中级、副高级或正高级（中级以下不能入库）。"
            },
            "phone": {"unique": "该手机号码的专家已在库中，不能重复入库。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["username"]
        self.fields[
            "declares_no_training_work"
        ].help_text = "指南五（五）：未有在校外培训机构中兼职经历；未勾选的专家不会被抽取。"

    def clean_phone(self):
        phone = self.cleaned_data["phone"].replace(" ", "").replace("-", "")

        if not MOBILE_RE.match(phone):
            raise forms.ValidationError("手机号码应为11位手机号。")
        return phone

    def clean(self):
        data = super().clean()
        if data.get("category") == Expert.Category.EDUCATION and not data.get("subjects"):
            self.add_error("subjects", "教育教学专家须选择擅长学科或领域。")
        return data


class TieForm(NamesRequiredFields, forms.ModelForm):
    institution = forms.ModelChoiceField(
        label="关联机构",
        queryset=Institution.objects.order_by("county", "name"),
        error_messages={"required": "请选择关联机构。"},
    )

    class Meta:
        model = ExpertTie
        fields = ["institution", "kind", "started_on", "ended_on", "note"]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "ended_on": forms.DateInput(attrs={"type": "date"}),
        }


class CreditRecordForm(NamesRequiredFields, forms.ModelForm):
    class Meta:
        model = ExpertCreditRecord
        fields = ["kind", "reason", "evidence", "case_number"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label="专家名单（.xlsx）",
        error_messages={"required": "请选择要导入的表格文件。", "empty": "文件为空。"},
    )


class ExpertFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "姓名、单位或手机号"}),
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态")] + list(Expert.Status.choices)
    )
    pool = IdField(label="专家库", required=False)
    subject = forms.CharField(label="学科", required=False)
