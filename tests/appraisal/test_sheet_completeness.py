"""附件1 cannot be submitted with a gap (guide 七(三)): each ticked sign with its evidence, each
dimension answered (a sign, or 无上述特征 with a reason), a vote with reasons; the page says what
is missing per project and dimension; the issued sheet has no empty 依据 cell."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from appraisal.models import IndicatorSign, ReviewSheet, SheetAnswer
from appraisal.review import sheets
from common.errors import ServiceError
from tests import factories

from .test_reviews import answered, in_review, one_per_dimension


@pytest.fixture
def review(accepted_case, clerk, pool, indicator_template):
    round, seats = in_review(clerk, accepted_case)
    return accepted_case, round, seats


def dims(template):
    return list(template.dimensions.order_by("order", "id"))


def complete(template, vote="academic"):
    ticked = one_per_dimension(template, vote)
    return {
        "ticked": ticked,
        "evidence": answered(template, ticked),
        "vote": vote,
        "reasons": "讲练为主。",
    }


def refused(user, round, answer, project, match):
    sheets.save_sheet(user, round, answers={project.pk: answer})
    with pytest.raises(ServiceError, match=match):
        sheets.submit_sheet(user, round)
    sheet = ReviewSheet.objects.get(seat__expert__user=user, round=round)
    assert sheet.submitted_at is None and sheet.document is None


def test_a_ticked_sign_without_evidence_is_refused(review, indicator_template):
    case, round, seats = review
    project = case.projects.get()
    first = dims(indicator_template)[0]
    answer = complete(indicator_template)
    answer["evidence"][str(first.pk)] = {"page": "3"}  # a page alone cites nothing
    refused(
        seats[0].expert.user,
        round,
        answer,
        project,
        f"“{project.name}”的“{first.name}”维度勾选了特征，但未写明依据",
    )


def test_a_dimension_without_any_answer_is_refused(review, indicator_template):
    case, round, seats = review
    project = case.projects.get()
    last = dims(indicator_template)[-1]
    answer = complete(indicator_template)
    answer["ticked"] = [
        s for s in answer["ticked"] if IndicatorSign.objects.get(pk=s).dimension_id != last.pk
    ]
    del answer["evidence"][str(last.pk)]
    refused(
        seats[0].expert.user,
        round,
        answer,
        project,
        f"“{last.name}”维度未勾选任何特征，也未选择“无上述特征”",
    )


def test_none_of_these_signs_needs_a_reason(review, indicator_template):
    case, round, seats = review
    project = case.projects.get()
    last = dims(indicator_template)[-1]
    answer = complete(indicator_template)
    answer["ticked"] = [
        s for s in answer["ticked"] if IndicatorSign.objects.get(pk=s).dimension_id != last.pk
    ]
    answer["evidence"][str(last.pk)] = {"none": True}
    refused(
        seats[0].expert.user, round, answer, project, "选择了“无上述特征”，但未在依据说明中写明理由"
    )


def test_none_of_these_signs_with_a_ticked_sign_is_refused_at_saving(review, indicator_template):
    case, round, seats = review
    project = case.projects.get()
    first = dims(indicator_template)[0]
    answer = complete(indicator_template)
    answer["evidence"][str(first.pk)]["none"] = True
    with pytest.raises(ServiceError, match="不能同时选择“无上述特征”"):
        sheets.save_sheet(seats[0].expert.user, round, answers={project.pk: answer})
    assert not SheetAnswer.objects.filter(sheet__seat=seats[0]).exists()


def test_a_missing_vote_or_reasons_is_refused(review, indicator_template):
    case, round, seats = review
    project = case.projects.get()
    refused(
        seats[0].expert.user,
        round,
        {**complete(indicator_template), "vote": ""},
        project,
        "作出表决",
    )
    refused(
        seats[0].expert.user,
        round,
        {**complete(indicator_template), "reasons": ""},
        project,
        "理由",
    )


def test_a_complete_sheet_submits_and_every_evidence_cell_is_filled(review, indicator_template):
    case, round, seats = review
    project = case.projects.get()
    last = dims(indicator_template)[-1]
    answer = complete(indicator_template, "non_academic")
    answer["ticked"] = [
        s for s in answer["ticked"] if IndicatorSign.objects.get(pk=s).dimension_id != last.pk
    ]
    answer["evidence"][str(last.pk)] = {"none": True, "text": "观摩中未见本维度所列特征。"}
    sheets.save_sheet(seats[0].expert.user, round, answers={project.pk: answer})
    sheet = sheets.submit_sheet(seats[0].expert.user, round)
    assert sheet.submitted_at is not None
    # The rule cannot settle a dimension with none of its signs: undetermined, as before.
    assert sheet.answers.get().suggested == ""
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(sheet.document.file.read())).pages
    )
    assert "无上述特征；观摩中未见本维度所列特征。" in text.replace("\n", "")


def test_the_page_says_what_is_missing_per_dimension_before_submitting(
    client, review, indicator_template
):
    case, round, seats = review
    project = case.projects.get()
    first, *_, last = dims(indicator_template)
    academic = first.signs.filter(category="academic").first()
    factories.login(client, seats[0].expert.user)
    url = reverse("appraisal:sheet", args=[round.pk])
    page = client.post(
        url,
        {
            f"p{project.pk}-sign": [academic.pk],
            f"p{project.pk}-d{last.pk}-none": "1",
            f"p{project.pk}-vote": "academic",
            f"p{project.pk}-reasons": "讲练为主。",
            "action": "save",
        },
        follow=True,
    )
    html = page.content.decode()
    assert "草稿已保存" in html
    gap = re.search(rf'id="gap-{project.pk}-{first.pk}">([^<]*)<', html).group(1)
    assert "勾选了特征，但未写明依据" in gap
    assert "未在依据说明中写明理由" in re.search(
        rf'id="gap-{project.pk}-{last.pk}">([^<]*)<', html
    ).group(1)
    assert f'id="gaps-{project.pk}"' in html
    assert re.search(rf'name="p{project.pk}-d{last.pk}-none" value="1" checked', html)
    # Trying to submit anyway: refused with the same words, nothing issued.
    page = client.post(
        url,
        {
            "action": "submit",
            "confirm_submit": "1",
            **{
                f"p{project.pk}-sign": [academic.pk],
                f"p{project.pk}-d{last.pk}-none": "1",
                f"p{project.pk}-vote": "academic",
                f"p{project.pk}-reasons": "讲练为主。",
            },
        },
        follow=True,
    )
    assert "评分表还不能提交" in page.content.decode()
    assert ReviewSheet.objects.get(seat=seats[0]).submitted_at is None
