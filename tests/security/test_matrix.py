"""The authorization matrix: every URL pattern × every role × GET and POST.

The URL patterns are read from the URL configuration (admin and static files excluded); each one
must have an entry in ``REGISTRY`` below, which says how to build its arguments from the test
world (objects that belong to the institution ``institution`` in 昌吉市, whose clerk is
``county``: a submitted case, its materials, a draft, a project, an issued document) and which roles may use it. For every role the test then asserts:

- a role in the allowed set gets a working page: 200, or a redirect that is not to the login or
  second-factor pages;
- any other logged-in role gets 403 or 404 (405 where the URL does not serve the method);
- the anonymous visitor is sent to the login page, unless the URL is public.

The roles: ``anonymous``; ``institution`` (a member of the objects' institution) and
``institution_foreign`` (a member of another institution in another county); ``county`` (a clerk of
the objects' county) and ``county_foreign`` (a clerk of another county); ``prefecture``;
``expert``; ``supervisor``; ``admin``.

Adding a URL (e.g. an expert's invitation page): add one line to ``REGISTRY`` with the name
(``namespace:name``), the roles allowed for GET and for POST (``None`` if the view refuses that
method) and, if the pattern takes arguments, a function of the world returning them. If the view
needs an object the world does not have yet, add a ``cached_property`` to ``World`` that makes
it with ``tests.factories``. A URL without an entry fails ``test_url_is_registered`` with a message
naming it; a view without an access check fails because a foreign role gets in.
"""

from dataclasses import dataclass, field, replace
from functools import cached_property

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from appraisal import scenario
from appraisal.models import CaseState
from portal.models import Notification
from tests import factories

ROLES = (
    "anonymous",
    "institution",
    "institution_foreign",
    "county",
    "county_foreign",
    "prefecture",
    "expert",
    "supervisor",
    "admin",
)
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
INSTITUTIONS = frozenset({"institution", "institution_foreign"})
BUREAU_STAFF = frozenset({"county", "county_foreign", "prefecture"})
# Who may open the world's case and its files: its institution, its county, the prefecture.
CASE_READERS = frozenset({"institution", "county", "prefecture"})
OWNER = frozenset({"institution"})
OWN_COUNTY = frozenset({"county"})
# The county's pool and institutions: its clerks and the prefecture's.
POOL_READERS = frozenset({"county", "prefecture"})
# Draw records: the bureaus over the case and the supervisor of its county.
DRAW_READERS = frozenset({"county", "prefecture", "supervisor"})
EXPERT = frozenset({"expert"})
# A round's review records and opinion: the bureaus over the case and the panel.
REVIEW_READERS = frozenset({"county", "prefecture", "expert"})

EXCLUDED_NAMESPACES = {"admin"}


class World:
    """The users of every role and, made on first use, the objects the URLs point at."""

    def __init__(self):
        changji = factories.bureau("652301")
        fukang = factories.bureau("652302")
        self.institution = factories.institution("652301", name="昌吉市甲培训中心")
        other = factories.institution("652302", name="阜康市乙培训学校")
        self.users = {
            "institution": factories.user("institution", institution=self.institution),
            "institution_foreign": factories.user("institution", institution=other),
            "county": factories.user("county", bureau=changji),
            "county_foreign": factories.user("county", bureau=fukang),
            "prefecture": factories.user("prefecture", bureau=factories.prefecture()),
            "expert": factories.user("expert"),
            "supervisor": factories.user("supervisor", bureau=changji),
            "admin": factories.user("admin", is_staff=True),
        }

    @cached_property
    def project(self):
        return factories.project(self.institution, name="少儿思维训练")

    @cached_property
    def case(self):
        """A submitted application, with every kind of material (the bureaus see it now)."""
        return factories.submitted_case(self.users["institution"], projects=[self.project])

    @cached_property
    def draft(self):
        """A draft application: its institution's alone."""
        return factories.draft_case(self.users["institution"], [self.project])

    @cached_property
    def material(self):
        return self.case.materials.order_by("id").first()

    @cached_property
    def notification(self):
        return Notification.objects.create(
            recipient=self.users["institution"], subject="测试通知", url="/"
        )

    @cached_property
    def expert_profile(self):
        """The world's expert, in 昌吉市's pool."""
        return factories.expert(
            factories.bureau("652301"), ("mathematics",), account=self.users["expert"]
        )

    @cached_property
    def draw(self):
        """An accepted case of the institution whose panel of three, the world's expert among
        them, has been drawn and invited."""
        self.expert_profile  # noqa: B018  (made first: the panel is the whole pool of three)
        factories.experts(factories.bureau("652301"), 2, ("mathematics",))
        driven = factories.case_at(
            CaseState.PANEL_DRAWN,
            self.users["institution"],
            self.users["county"],
            projects=[self.project],
            script=replace(factories.SCRIPT, subjects=("mathematics",)),
        )
        return driven.round.draws.get()

    @cached_property
    def seat(self):
        return self.draw.seats.get(expert=self.expert_profile)

    @cached_property
    def review_round(self):
        """The draw's round in review: every seat accepted, the world's expert as leader."""
        from appraisal.review import opinion as opinions

        scenario.drive(self.draw.round.case, CaseState.IN_REVIEW, clerk=self.users["county"])
        opinions.set_leader(self.users["county"], self.draw.round, self.seat.pk)
        return self.draw.round

    @cached_property
    def activity_file(self):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.utils import timezone

        from appraisal.review import activities

        activity = activities.record_activity(
            self.users["county"],
            self.review_round,
            kind="site_visit",
            date=timezone.localdate(),
            place="机构教学点",
            attendees="专家组全体成员",
            files=[SimpleUploadedFile("现场.png", factories.PNG_BYTES)],
        )
        return activity.files.get()

    @cached_property
    def published_draw(self):
        """The draw, its round's result issued (附件2): its record is public by the case's code."""
        factories.issue_opinion(
            self.draw.round.case, self.users["county"], round=self.draw.round, experts=3
        )
        code = self.draw.round.case.documents.order_by("id").first().verification_code
        return {"code": code, "pk": self.draw.pk}

    @cached_property
    def document(self):
        """The acceptance notice of an accepted case."""
        case = factories.accepted_case(self.users["institution"], self.users["county"])
        return case.documents.get()


@dataclass(frozen=True)
class Entry:
    get: frozenset | None
    post: frozenset | None
    kwargs: object = field(default=lambda world: {})
    # URLs open to the anonymous visitor (the login page, the public verification page).
    public: bool = False


def case_pk(world):
    return {"pk": world.case.pk}


def draft_pk(world):
    return {"pk": world.draft.pk}


REGISTRY: dict[str, Entry] = {
    # portal: accounts and the home page
    "home": Entry(get=LOGGED_IN, post=LOGGED_IN),
    "login": Entry(get=EVERYONE, post=EVERYONE, public=True),
    "logout": Entry(get=None, post=EVERYONE, public=True),
    "password_change": Entry(get=LOGGED_IN, post=LOGGED_IN),
    "password_change_done": Entry(get=LOGGED_IN, post=None),
    "otp_setup": Entry(get=LOGGED_IN, post=LOGGED_IN),
    "otp_verify": Entry(get=LOGGED_IN, post=LOGGED_IN),
    "otp_backup_codes": Entry(get=LOGGED_IN, post=LOGGED_IN),
    "notifications": Entry(get=LOGGED_IN, post=LOGGED_IN),
    "notification_open": Entry(get=OWNER, post=OWNER, kwargs=lambda w: {"pk": w.notification.pk}),
    "notifications_read_all": Entry(get=LOGGED_IN, post=LOGGED_IN),
    "audit:event_list": Entry(
        get=BUREAU_STAFF | {"supervisor"}, post=BUREAU_STAFF | {"supervisor"}
    ),
    # institutions: only members, each of their own institution
    "institutions:profile": Entry(get=INSTITUTIONS, post=INSTITUTIONS),
    "institutions:project_list": Entry(get=INSTITUTIONS, post=INSTITUTIONS),
    "institutions:project_create": Entry(get=INSTITUTIONS, post=INSTITUTIONS),
    "institutions:project_edit": Entry(
        get=OWNER, post=OWNER, kwargs=lambda w: {"pk": w.project.pk}
    ),
    # appraisal: cases
    "appraisal:case_list": Entry(get=INSTITUTIONS | BUREAU_STAFF, post=INSTITUTIONS | BUREAU_STAFF),
    "appraisal:case_create": Entry(get=INSTITUTIONS, post=INSTITUTIONS),
    "appraisal:case_detail": Entry(get=CASE_READERS, post=CASE_READERS, kwargs=case_pk),
    "appraisal:case_edit": Entry(get=OWNER, post=OWNER, kwargs=draft_pk),
    "appraisal:material_upload": Entry(get=None, post=OWNER, kwargs=draft_pk),
    "appraisal:case_submit": Entry(get=None, post=OWNER, kwargs=draft_pk),
    "appraisal:case_withdraw": Entry(get=None, post=OWNER, kwargs=case_pk),
    "appraisal:case_accept": Entry(get=None, post=OWN_COUNTY, kwargs=case_pk),
    "appraisal:case_return": Entry(get=None, post=OWN_COUNTY, kwargs=case_pk),
    "appraisal:case_refuse": Entry(get=None, post=OWN_COUNTY, kwargs=case_pk),
    # the re-review: the institution requests or accepts, its county handles, the prefecture signs
    # for it (the services then say what the case's state allows)
    "appraisal:rereview_request": Entry(get=None, post=OWNER, kwargs=case_pk),
    "appraisal:rereview_upload": Entry(get=None, post=OWNER, kwargs=case_pk),
    "appraisal:accept_result": Entry(get=None, post=OWNER, kwargs=case_pk),
    "appraisal:rereview_forward": Entry(get=None, post=OWN_COUNTY, kwargs=case_pk),
    "appraisal:rereview_refuse": Entry(get=None, post=OWN_COUNTY, kwargs=case_pk),
    "appraisal:rereview_receive": Entry(get=None, post=frozenset({"prefecture"}), kwargs=case_pk),
    "appraisal:material_download": Entry(
        get=CASE_READERS, post=CASE_READERS, kwargs=lambda w: {"pk": w.material.pk}
    ),
    "appraisal:document_download": Entry(
        get=CASE_READERS, post=CASE_READERS, kwargs=lambda w: {"pk": w.document.pk}
    ),
    # the public verification pages: anyone, logged in or not, shows nothing private
    "verify_lookup": Entry(get=EVERYONE, post=None, public=True),
    "verify_certificates": Entry(get=EVERYONE, post=None, public=True),
    "verify_certificate_pem": Entry(
        get=EVERYONE, post=None, public=True, kwargs=lambda w: {"code": "652301"}
    ),
    # the health check of the load balancer: "ok", without the database
    "healthz": Entry(get=EVERYONE, post=None, public=True),
    "verify_document": Entry(
        get=EVERYONE,
        post=EVERYONE,
        public=True,
        kwargs=lambda w: {"code": w.document.verification_code},
    ),
    # the transparency log, the verifier and the specification (docs/draw-spec.md), and a
    # draw's record by the case's code once the round's result is issued: anyone
    "transparency_log": Entry(get=EVERYONE, post=None, public=True),
    "transparency_log_json": Entry(get=EVERYONE, post=None, public=True),
    "transparency_file": Entry(
        get=EVERYONE, post=None, public=True, kwargs=lambda w: {"name": "verify_draw.py"}
    ),
    "verify_draws": Entry(
        get=EVERYONE,
        post=None,
        public=True,
        kwargs=lambda w: {"code": w.published_draw["code"]},
    ),
    "verify_draw_record": Entry(
        get=EVERYONE, post=None, public=True, kwargs=lambda w: w.published_draw
    ),
    # appraisal: the panel draw, its record, the invitations
    "appraisal:draw_panel": Entry(
        get=OWN_COUNTY, post=OWN_COUNTY, kwargs=lambda w: {"pk": w.draw.round.case_id}
    ),
    "appraisal:draw_seat": Entry(
        get=OWN_COUNTY,
        post=OWN_COUNTY,
        kwargs=lambda w: {"pk": w.draw.round.case_id, "seat_pk": w.seat.pk},
    ),
    "appraisal:lapse_check": Entry(
        get=None, post=OWN_COUNTY, kwargs=lambda w: {"pk": w.draw.round.case_id}
    ),
    "appraisal:draw_list": Entry(
        get=BUREAU_STAFF | {"supervisor"}, post=BUREAU_STAFF | {"supervisor"}
    ),
    "appraisal:draw_record": Entry(
        get=DRAW_READERS, post=DRAW_READERS, kwargs=lambda w: {"pk": w.draw.pk}
    ),
    "appraisal:draw_verify": Entry(
        get=DRAW_READERS, post=DRAW_READERS, kwargs=lambda w: {"pk": w.draw.pk}
    ),
    "appraisal:draw_record_json": Entry(
        get=DRAW_READERS, post=DRAW_READERS, kwargs=lambda w: {"pk": w.draw.pk}
    ),
    "appraisal:invitation": Entry(get=EXPERT, post=EXPERT, kwargs=lambda w: {"pk": w.seat.pk}),
    "appraisal:invitation_accept": Entry(get=None, post=EXPERT, kwargs=lambda w: {"pk": w.seat.pk}),
    "appraisal:invitation_decline": Entry(
        get=None, post=EXPERT, kwargs=lambda w: {"pk": w.seat.pk}
    ),
    # appraisal: the review of a round (records, sheets, the opinion, signatures, the decision)
    "appraisal:review_records": Entry(
        get=REVIEW_READERS, post=OWN_COUNTY, kwargs=lambda w: {"pk": w.review_round.pk}
    ),
    "appraisal:activity_file_download": Entry(
        get=REVIEW_READERS, post=REVIEW_READERS, kwargs=lambda w: {"pk": w.activity_file.pk}
    ),
    "appraisal:sheet": Entry(get=EXPERT, post=EXPERT, kwargs=lambda w: {"pk": w.review_round.pk}),
    "appraisal:set_leader": Entry(
        get=None, post=OWN_COUNTY, kwargs=lambda w: {"pk": w.review_round.pk}
    ),
    "appraisal:opinion_edit": Entry(
        get=EXPERT, post=EXPERT, kwargs=lambda w: {"pk": w.review_round.pk}
    ),
    "appraisal:opinion_sign": Entry(
        get=REVIEW_READERS, post=EXPERT, kwargs=lambda w: {"pk": w.review_round.pk}
    ),
    "appraisal:decision": Entry(
        get=OWN_COUNTY, post=OWN_COUNTY, kwargs=lambda w: {"pk": w.review_round.pk}
    ),
    # experts: county staff keep their pool, the prefecture sees every pool
    "experts:expert_list": Entry(get=BUREAU_STAFF, post=BUREAU_STAFF),
    "experts:expert_create": Entry(get=BUREAU_STAFF, post=BUREAU_STAFF),
    "experts:expert_export": Entry(get=BUREAU_STAFF, post=BUREAU_STAFF),
    "experts:expert_import": Entry(get=BUREAU_STAFF, post=BUREAU_STAFF),
    "experts:expert_import_confirm": Entry(get=None, post=BUREAU_STAFF),
    "experts:import_template": Entry(get=BUREAU_STAFF, post=BUREAU_STAFF),
    "experts:my_ties": Entry(get=EXPERT, post=EXPERT, kwargs=lambda w: w.expert_profile and {}),
    "experts:expert_detail": Entry(
        get=POOL_READERS, post=POOL_READERS, kwargs=lambda w: {"pk": w.expert_profile.pk}
    ),
    "experts:expert_edit": Entry(
        get=OWN_COUNTY, post=OWN_COUNTY, kwargs=lambda w: {"pk": w.expert_profile.pk}
    ),
    "experts:tie_add": Entry(
        get=None, post=POOL_READERS, kwargs=lambda w: {"pk": w.expert_profile.pk}
    ),
    "experts:credit_add": Entry(
        get=None, post=POOL_READERS, kwargs=lambda w: {"pk": w.expert_profile.pk}
    ),
    # institutions as bureau staff see them, with their credit marks
    "institutions:staff_detail": Entry(
        get=POOL_READERS, post=POOL_READERS, kwargs=lambda w: {"pk": w.institution.pk}
    ),
    "institutions:credit_mark_add": Entry(
        get=None, post=POOL_READERS, kwargs=lambda w: {"pk": w.institution.pk}
    ),
}


def url_names(resolver=None, namespace=""):
    """Every pattern's full name (``namespace:name``); unnamed patterns as ``<unnamed: route>``."""
    resolver = resolver or get_resolver()
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.extend(url_names(pattern, inner))
        elif isinstance(pattern, URLPattern):
            route = str(pattern.pattern)
            if route.startswith(settings.STATIC_URL.lstrip("/")):
                continue
            names.append(f"{namespace}{pattern.name}" if pattern.name else f"<unnamed: {route}>")
    return names


URL_NAMES = sorted(set(url_names()))
LOGIN_URL = reverse(settings.LOGIN_URL)
SECOND_FACTOR_URLS = (reverse("otp_setup"), reverse("otp_verify"))


def test_url_is_registered_for_every_pattern():
    missing = [name for name in URL_NAMES if name not in REGISTRY]
    assert not missing, (
        f"URL pattern(s) {missing} have no entry in tests/security/test_matrix.py REGISTRY: add one "
        "saying which roles may GET and POST them (see the module docstring)."
    )


def test_registry_has_no_stale_entries():
    stale = sorted(set(REGISTRY) - set(URL_NAMES))
    assert not stale, f"REGISTRY names URL(s) that no longer exist: {stale}"


@pytest.fixture
def world(jurisdictions):
    return World()


def request_as(world, role, method, url):
    client = Client()
    if role != "anonymous":
        factories.login(client, world.users[role])
    return client.get(url) if method == "GET" else client.post(url, {})


def verdict(name, entry, role, method, response) -> str | None:
    """None if the response is what the matrix expects of this role, else what went wrong."""
    allowed = getattr(entry, method.lower())
    status = response.status_code
    location = response.get("Location", "")
    if allowed is not None and role in allowed:
        ok = status == 200 or (
            status == 302
            and (entry.public or not location.startswith(LOGIN_URL))
            and (name.startswith("otp_") or not location.startswith(SECOND_FACTOR_URLS))
        )
        return None if ok else f"{role} should be let in but got {status} {location}"
    if role == "anonymous" and not entry.public:
        if status == 302 and location.startswith(LOGIN_URL):
            return None
        return f"anonymous should be sent to the login page but got {status} {location}"
    if status in (403, 404) or (allowed is None and status == 405):
        return None
    return f"{role} should be refused (403/404) but got {status} {location}"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", URL_NAMES)
def test_matrix(world, name, method):
    entry = REGISTRY.get(name)
    if entry is None:
        pytest.fail(
            f"URL “{name}” has no entry in tests/security/test_matrix.py REGISTRY: add one "
            "(see the module docstring)."
        )
    url = reverse(name, kwargs=entry.kwargs(world))
    failures = []
    for role in ROLES:
        problem = verdict(name, entry, role, method, request_as(world, role, method, url))
        if problem:
            failures.append(f"{method} {url} ({name}): {problem}")
    assert not failures, "\n".join(failures)
