"""Query budgets: every page a user opens runs a fixed, small number of queries whatever the size
of the data. Each page is opened on a small and on a larger generated data set; the count must
stay within the page's budget on both and must not grow with the data (an N+1 fails here)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal.models import Case, CaseState, Draw, IssuedDocument, Seat
from experts.models import Expert
from portal.datagen import Generator, Sizes
from portal.models import Bureau, User
from tests import factories

SMALL = Sizes(bureaus=8, experts=40, institutions=40, cases=240)
LARGER = Sizes(bureaus=12, experts=160, institutions=160, cases=700)

# The most queries each page may run (session, user, second factor and menu included).
BUDGETS = {
    "home:institution": 14,
    "home:county": 16,
    "home:prefecture": 14,
    "home:expert": 13,
    "home:supervisor": 11,
    "home:admin": 9,
    "case_list:institution": 12,
    "case_list:county": 12,
    "case_list:county:state": 12,
    "case_list:county:search": 12,
    "case_list:county:page2": 12,
    "case_list:prefecture": 13,
    "case_list:prefecture:bureau": 13,
    # The case page shows the panel, the review (sheets, opinion, signatures) and the timeline.
    "case_detail:county": 34,
    "case_detail:institution": 25,
    "case_detail:expert": 38,
    "draw_page:county": 18,
    "draw_list:county": 11,
    "draw_record:county": 15,
    "invitation:expert": 13,
    "review_records:county": 20,
    "sheet:expert": 25,
    "opinion_sign:county": 20,
    "decision:county": 20,
    "notifications:institution": 10,
    "verification:anonymous": 3,
    # The public transparency log: its last number, a page of entries, the heads, the signer.
    "transparency_log:anonymous": 4,
    "verify_draws:anonymous": 2,
    "audit:county": 12,
    "audit:prefecture": 12,
    "expert_list:county": 14,
    "expert_list:prefecture": 15,
    "admin_changelist": 15,
}


def _busiest(queryset, field):
    return queryset.values(field).annotate(n=Count("pk")).order_by("-n", field)[0][field]


class World:
    """The accounts and objects the pages are opened with, picked from the generated data."""

    def __init__(self):
        counts = Case.objects.exclude(state=CaseState.DRAFT)
        county = Bureau.objects.get(pk=_busiest(counts, "bureau"))
        self.county = User.objects.get(role="county", bureau=county, username__startswith="g")
        self.prefecture = User.objects.get(role="prefecture", bureau=county.parent_id)
        self.supervisor = User.objects.get(role="supervisor", bureau=county)
        institution = _busiest(Case.objects.all(), "institution")
        self.institution = User.objects.get(role="institution", institution=institution)
        expert_pk = _busiest(Seat.objects.filter(status=Seat.Status.ACCEPTED), "expert")
        self.expert = Expert.objects.get(pk=expert_pk).user
        self.admin = factories.user("admin", is_staff=True, is_superuser=True, username="root")
        seat = Seat.objects.filter(expert_id=expert_pk, status=Seat.Status.ACCEPTED).first()
        self.expert_case = seat.round.case_id
        self.expert_seat = seat.pk
        self.case = (
            Case.objects.filter(bureau=county, state=CaseState.IN_REVIEW).order_by("pk").first()
        )
        self.own_case = Case.objects.filter(institution=institution).order_by("pk").first()
        self.accepted = Case.objects.filter(state=CaseState.ACCEPTED).order_by("pk").first()
        self.accepted_clerk = User.objects.get(role="county", bureau=self.accepted.bureau_id)
        self.draw = Draw.objects.filter(pool=county).order_by("pk").first()
        self.document = IssuedDocument.objects.filter(kind="opinion").order_by("pk").first()
        self.county_bureau = county
        # The review: a round under review (sheets), and one whose opinion is signed (decision).
        in_review = Seat.objects.filter(
            status=Seat.Status.ACCEPTED, round__case__state=CaseState.IN_REVIEW
        ).order_by("pk")[0]
        self.review_round = in_review.round
        self.sheet_expert = in_review.expert.user
        self.review_clerk = User.objects.get(role="county", bureau=self.review_round.case.bureau_id)
        signed = Case.objects.filter(state=CaseState.OPINION_SIGNED).order_by("pk")[0]
        self.signed_round = signed.rounds.get(number=1)
        self.signed_clerk = User.objects.get(role="county", bureau=signed.bureau_id)

    def pages(self):
        """(name, user or None, url)"""
        case_list = reverse("appraisal:case_list")
        yield "home:institution", self.institution, "/"
        yield "home:county", self.county, "/"
        yield "home:prefecture", self.prefecture, "/"
        yield "home:expert", self.expert, "/"
        yield "home:supervisor", self.supervisor, "/"
        yield "home:admin", self.admin, "/"
        yield "case_list:institution", self.institution, case_list
        yield "case_list:county", self.county, case_list
        yield "case_list:county:state", self.county, f"{case_list}?state=closed"
        yield "case_list:county:search", self.county, f"{case_list}?q=培训中心"
        yield "case_list:county:page2", self.county, f"{case_list}?page=2"
        yield "case_list:prefecture", self.prefecture, case_list
        yield (
            "case_list:prefecture:bureau",
            self.prefecture,
            f"{case_list}?bureau={self.county_bureau.pk}",
        )
        detail = "appraisal:case_detail"
        yield "case_detail:county", self.county, reverse(detail, args=[self.case.pk])
        yield "case_detail:institution", self.institution, reverse(detail, args=[self.own_case.pk])
        yield "case_detail:expert", self.expert, reverse(detail, args=[self.expert_case])
        yield (
            "draw_page:county",
            self.accepted_clerk,
            reverse("appraisal:draw_panel", args=[self.accepted.pk]),
        )
        yield "draw_list:county", self.county, reverse("appraisal:draw_list")
        yield (
            "draw_record:county",
            self.county,
            reverse("appraisal:draw_record", args=[self.draw.pk]),
        )
        yield (
            "invitation:expert",
            self.expert,
            reverse("appraisal:invitation", args=[self.expert_seat]),
        )
        review = self.review_round.pk
        yield (
            "review_records:county",
            self.review_clerk,
            reverse("appraisal:review_records", args=[review]),
        )
        yield "sheet:expert", self.sheet_expert, reverse("appraisal:sheet", args=[review])
        signed = self.signed_round.pk
        yield (
            "opinion_sign:county",
            self.signed_clerk,
            reverse("appraisal:opinion_sign", args=[signed]),
        )
        yield "decision:county", self.signed_clerk, reverse("appraisal:decision", args=[signed])
        yield "notifications:institution", self.institution, reverse("notifications")
        yield (
            "verification:anonymous",
            None,
            reverse("verify_document", args=[self.document.verification_code]),
        )
        yield "transparency_log:anonymous", None, reverse("transparency_log")
        yield (
            "verify_draws:anonymous",
            None,
            reverse("verify_draws", args=[self.document.verification_code]),
        )
        yield "audit:county", self.county, reverse("audit:event_list")
        yield "audit:prefecture", self.prefecture, reverse("audit:event_list")
        yield "expert_list:county", self.county, reverse("experts:expert_list")
        yield "expert_list:prefecture", self.prefecture, reverse("experts:expert_list")
        for model in admin.site._registry:
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            yield f"admin_changelist:{opts.label}", self.admin, url


def measure(world):
    """Each page's query count, opened once to warm per-process caches and then measured."""
    clients = {}
    counts = {}
    for name, user, url in world.pages():
        key = user.pk if user else None
        if key not in clients:
            clients[key] = Client()
            if user is not None:
                factories.login(clients[key], user)
        client = clients[key]
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, f"{name} {url}: {response.status_code}"
        counts[name] = len(queries)
    return counts


def budget(name):
    return BUDGETS.get(name) or BUDGETS[name.split(":")[0]]


@pytest.fixture
def generated(jurisdictions, indicator_template):
    def make(sizes):
        Generator(sizes, seed=11).run()
        return World()

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("sizes", [SMALL, LARGER], ids=["small", "larger"])
def test_every_page_within_its_budget(generated, sizes):
    counts = measure(generated(sizes))
    over = {n: (c, budget(n)) for n, c in counts.items() if c > budget(n)}
    assert not over, f"pages over their query budget (queries, budget): {over}"


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_data(generated):
    """Open every page on the small set, add four times the cases, and open them again."""
    world = generated(SMALL)
    before = measure(world)
    Generator(Sizes(bureaus=0, experts=40, institutions=40, cases=480), seed=12).run()
    after = measure(world)
    grew = {n: (before[n], after[n]) for n in before if after[n] > before[n]}
    assert not grew, f"query counts that grew with the data (before, after): {grew}"


@pytest.mark.django_db
def test_the_larger_set_fills_the_pages(generated):
    """The lists of the larger set are longer than a page, so an N+1 would show in the counts."""
    world = generated(LARGER)
    assert Case.objects.filter(bureau=world.county_bureau).exclude(state="draft").count() > 40
    assert Seat.objects.filter(expert__user=world.expert).count() >= 2
