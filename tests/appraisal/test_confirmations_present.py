"""Every irreversible step asks first (the vendored confirm.js reads ``data-confirm``; its cancel
path is tested in the browser, tests/browser/test_confirmations.py): the return for 补正, the
re-review request, its receipt, the seal and the submitted sheet."""

import pytest
from django.urls import reverse

from appraisal.models import CaseState
from tests import factories


@pytest.fixture
def cast(applicant, clerk, prefecture_clerk, pool, prefecture_bureau, indicator_template):
    factories.experts(prefecture_bureau, 4, ("mathematics",))
    return {
        "applicant": applicant,
        "clerk": factories.grant_stamp(clerk),
        "prefecture": factories.grant_stamp(prefecture_clerk),
    }


def page(client, user, url) -> str:
    factories.login(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def at(cast, stop):
    return factories.case_at(
        stop,
        cast["applicant"],
        cast["clerk"],
        prefecture=cast["prefecture"],
        projects=[factories.project(cast["applicant"].institution)],
    )


def test_each_irreversible_step_asks_first(client, cast):
    submitted = at(cast, CaseState.SUBMITTED).case
    html = page(client, cast["clerk"], reverse("appraisal:case_detail", args=[submitted.pk]))
    assert 'data-confirm="退回补正将出具补正材料通知书' in html

    decided = at(cast, CaseState.DECIDED).case
    html = page(client, cast["applicant"], reverse("appraisal:case_detail", args=[decided.pk]))
    assert 'data-confirm="每件案件只能申请一次复审' in html

    forwarded = at(cast, CaseState.REREVIEW_FORWARDED).case
    html = page(client, cast["prefecture"], reverse("appraisal:case_detail", args=[forwarded.pk]))
    assert 'data-confirm="签收后即可抽取复审专家组' in html

    reviewing = at(cast, CaseState.IN_REVIEW)
    round = reviewing.case.current_round
    html = page(client, reviewing.experts[0], reverse("appraisal:sheet", args=[round.pk]))
    assert 'data-confirm="评分表提交后不能再修改' in html

    signed = at(cast, CaseState.OPINION_SIGNED)
    round = signed.case.current_round
    html = page(client, cast["clerk"], reverse("appraisal:decision", args=[round.pk]))
    assert 'data-confirm="盖章后即出具鉴定意见书' in html
