from django import forms

from appraisal.workflow.states import ENDED
from common.forms import IdsField, NamesRequiredFields
from portal.models import Bureau, Subject

from .models import Institution, InstitutionCreditMark, TrainingProject
from .validators import normalize_uscc


class InstitutionForm(NamesRequiredFields, forms.ModelForm):
    class Meta:
        model = Institution
        fields = [
            "name",
            "credit_code",
            "licence_no",
            "county",
            "address",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "students_served",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Bureau.objects.filter(
            level=Bureau.Level.COUNTY, is_active=True
        )
        self.fields["credit_code"].error_messages["unique"] = "该统一社会信用代码已登记。"

    def clean_credit_code(self):
        return normalize_uscc(self.cleaned_data["credit_code"])

    def clean_county(self):
        county = self.cleaned_data["county"]
        # The county decides which bureau handles the institution's cases; it cannot move away
        # while a case is open there.
        if (
            self.instance.pk
            and county != self.instance.county
            and self.instance.cases.exclude(state__in=ENDED).exists()
        ):
            raise forms.ValidationError("机构有正在办理的鉴定案件，暂不能变更所在县（市）。")
        return county


class TrainingProjectForm(NamesRequiredFields, forms.ModelForm):
    class Meta:
        model = TrainingProject
        fields = ["name", "subjects", "grades", "mode", "description", "is_active"]
        field_classes = {"subjects": IdsField}
        widgets = {
            "subjects": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subjects"].queryset = Subject.objects.filter(is_active=True)
        self.fields["subjects"].error_messages["required"] = "请至少选择一个学科或领域。"


class CreditMarkForm(NamesRequiredFields, forms.ModelForm):
    class Meta:
        model = InstitutionCreditMark
        fields = ["kind", "reason", "evidence", "case_number"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }
