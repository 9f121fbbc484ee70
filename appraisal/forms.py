from django import forms

from institutions.models import TrainingProject

from .models import CaseState, MaterialKind


class ApplicationForm(forms.Form):
    projects = forms.ModelMultipleChoiceField(
        label="申请鉴定的培训项目",
        queryset=TrainingProject.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个申请鉴定的培训项目。"},
    )
    statement = forms.CharField(
        label="申请事由",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="说明项目在审批中有争议或界限模糊之处，以及机构对照鉴定指标所作的自我研判。",
        error_messages={"required": "请填写申请事由。"},
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = TrainingProject.objects.filter(
            institution=institution, is_active=True
        ).prefetch_related("subjects")


class MaterialUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="材料类别", choices=[("", "请选择")] + list(MaterialKind.choices)
    )
    file = forms.FileField(
        label="文件",
        error_messages={"required": "请选择要上传的文件。", "empty": "文件为空，请重新选择文件。"},
    )
    note = forms.CharField(label="说明", required=False, max_length=200)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].error_messages["required"] = "请选择材料类别。"


class ReturnForm(forms.Form):
    missing = forms.MultipleChoiceField(
        label="需补正的材料",
        choices=MaterialKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="补正说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明需补正或更正的具体内容。",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请写明理由。"},
    )


class OptionalNoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "机构名称或案件编号"}),
    )
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态")] + list(CaseState.choices)
    )
    bureau = forms.IntegerField(label="县（市）", required=False)
