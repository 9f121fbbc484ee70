"""The indicator template (附件1) as data, its versioning, and the rule that suggests a category."""

import pytest
from django.core.exceptions import ValidationError

from appraisal.models import IndicatorDimension, IndicatorSign, IndicatorTemplate
from appraisal.models.indicators import PublishedTemplateError
from appraisal.review.indicators import ACADEMIC, NON_ACADEMIC, suggest_category
from tests import factories

DIMS = [(1, "培训目的"), (2, "培训内容"), (3, "培训方式"), (4, "结果评价")]


# ---- the rule (docs/domain.md §鉴定指标与类别规则), pure ----------------------------------------


def test_any_academic_sign_on_any_dimension_is_academic():
    ticked = [(1, NON_ACADEMIC), (2, NON_ACADEMIC), (3, NON_ACADEMIC), (4, NON_ACADEMIC)]
    assert suggest_category(ticked, DIMS).category == NON_ACADEMIC
    s = suggest_category([*ticked, (3, ACADEMIC)], DIMS)
    assert s.category == ACADEMIC
    assert s.academic_dimensions == (3,)
    assert "培训方式" in s.reason


def test_non_academic_only_when_every_dimension_has_a_non_academic_sign():
    s = suggest_category([(1, NON_ACADEMIC), (2, NON_ACADEMIC), (4, NON_ACADEMIC)], DIMS)
    assert s.category is None
    assert s.unmatched_dimensions == (3,)
    assert "培训方式" in s.reason and "按学科类管理" in s.reason
    assert s.managed_as == ACADEMIC


def test_nothing_ticked_is_undetermined_and_managed_as_academic():
    s = suggest_category([], DIMS)
    assert s.category is None and s.managed_as == ACADEMIC
    assert s.unmatched_dimensions == (1, 2, 3, 4)


def test_one_academic_sign_alone_is_academic():
    assert suggest_category([(2, ACADEMIC)], DIMS).category == ACADEMIC


def test_fifth_dimension_must_also_match():
    dims = [*DIMS, (5, "师资")]
    four = [(k, NON_ACADEMIC) for k, _ in DIMS]
    assert suggest_category(four, dims).category is None
    assert suggest_category([*four, (5, NON_ACADEMIC)], dims).category == NON_ACADEMIC


def test_sign_of_another_template_is_refused():
    with pytest.raises(ValueError):
        suggest_category([(9, ACADEMIC)], DIMS)


def test_accepts_sign_rows_of_the_template(indicator_template):
    template = indicator_template
    dims = template.dimensions_with_signs()
    ticked = [d.non_academic_signs[0] for d in dims]
    keys = [(d.pk, d.name) for d in dims]
    assert suggest_category(ticked, keys).category == NON_ACADEMIC
    ticked.append(dims[1].academic_signs[0])
    assert suggest_category(ticked, keys).category == ACADEMIC


# ---- the shipped template ------------------------------------------------------------------


def test_migration_ships_the_four_dimensions_with_both_kinds_of_signs(indicator_template):
    template = indicator_template
    assert template is not None and template.is_published and template.version == 1
    dims = template.dimensions_with_signs()
    assert [d.name for d in dims] == ["培训目的", "培训内容", "培训方式", "结果评价"]
    for d in dims:
        assert len(d.academic_signs) >= 2 and len(d.non_academic_signs) >= 2
    content = next(d for d in dims if d.code == "content")
    assert any("道德与法治、语文、历史、地理、数学" in s.text for s in content.academic_signs)
    assert any("体育" in s.text for s in content.non_academic_signs)


# ---- versioning -----------------------------------------------------------------------------


def test_published_version_cannot_be_edited(indicator_template):
    template = indicator_template
    sign = IndicatorSign.objects.filter(dimension__template=template).first()
    sign.text = "改过的特征"
    with pytest.raises(PublishedTemplateError):
        sign.save()
    dimension = template.dimensions.first()
    with pytest.raises(PublishedTemplateError):
        IndicatorDimension.objects.create(template=template, code="teachers", name="师资")
    with pytest.raises(PublishedTemplateError):
        dimension.delete()
    template.name = "改名"
    with pytest.raises(PublishedTemplateError):
        template.save()
    assert IndicatorSign.objects.get(pk=sign.pk).text != "改过的特征"


def test_new_version_is_a_draft_copy_that_is_published_in_place_of_the_old(indicator_template):
    old = indicator_template
    new = old.copy_as_new_version()
    assert new.version == 2 and not new.is_published and not new.is_active
    assert new.dimensions.count() == old.dimensions.count()
    assert IndicatorSign.objects.filter(dimension__template=new).count() == (
        IndicatorSign.objects.filter(dimension__template=old).count()
    )
    # The draft is editable: a fifth dimension (师资), with signs of both kinds.
    teachers = IndicatorDimension.objects.create(
        template=new, code="teachers", name="师资", order=5
    )
    IndicatorSign.objects.create(dimension=teachers, category=ACADEMIC, text="由学科教师任教")
    with pytest.raises(ValidationError):
        new.publish()  # the fifth dimension lacks 非学科类 signs
    IndicatorSign.objects.create(
        dimension=teachers, category=NON_ACADEMIC, text="由教练、艺术家任教"
    )
    new.publish()
    old.refresh_from_db()
    assert IndicatorTemplate.current() == new
    assert not old.is_active and old.is_published  # kept, frozen, for the reviews filled on it
    assert [d.name for d in old.dimensions_with_signs()][-1] == "结果评价"


def test_admin_shows_a_published_version_read_only(client, jurisdictions, indicator_template):
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    template = IndicatorTemplate.current()
    url = f"/admin/appraisal/indicatortemplate/{template.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"name": "篡改", "version": 1})
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name == "校外培训项目类别鉴定指标"
    # The copy action makes an editable draft.
    client.post(
        "/admin/appraisal/indicatortemplate/",
        {"action": "copy_as_new_version", "_selected_action": [template.pk]},
    )
    draft = IndicatorTemplate.objects.get(version=2)
    assert client.get(f"/admin/appraisal/indicatortemplate/{draft.pk}/change/").status_code == 200


def test_the_fixture_loads_into_empty_tables(db):
    from django.core.management import call_command

    IndicatorSign.objects.all().delete()
    IndicatorDimension.objects.all().delete()
    IndicatorTemplate.objects.all().delete()
    call_command("loaddata", "fixtures/indicators.json", verbosity=0)
    template = IndicatorTemplate.current()
    assert template.is_published and template.dimensions.count() == 4
    assert IndicatorSign.objects.filter(dimension__template=template).count() == 22
