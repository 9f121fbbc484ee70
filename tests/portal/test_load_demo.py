"""The demo data: signing keys, generated seals and signed notices."""

import io

from django.core.management import call_command

from appraisal.documents.signing import key_paths, verify_pdf
from appraisal.models import BureauSeal, IndicatorTemplate, IssuedDocument
from portal.models import Bureau


def test_load_demo_makes_keys_and_seals_and_signs_its_notices(db, settings, tmp_path):
    settings.APPRAISAL_SIGNING_DIR = tmp_path / "signing"
    call_command("load_demo", stdout=io.StringIO())
    for bureau in Bureau.objects.all():
        assert all(p.exists() for p in key_paths(bureau.code))
        seal = BureauSeal.active_for(bureau)
        assert seal is not None and seal.is_generated
    documents = list(IssuedDocument.objects.all())
    assert documents
    for document in documents:
        with document.file.open("rb") as fh:
            assert verify_pdf(fh.read()).intact
    assert IndicatorTemplate.current() is not None
    # Running it again changes nothing.
    call_command("load_demo", stdout=io.StringIO())
    assert BureauSeal.objects.count() == Bureau.objects.count()


def test_demo_staff_share_the_published_totp_secret(db, capsys):
    from base64 import b32decode

    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.management.commands.load_demo import DEMO_TOTP_SECRET
    from portal.models import User

    call_command("load_demo")
    clerk = User.objects.get(username="changji_clerk")
    device = TOTPDevice.objects.get(user=clerk)
    assert device.confirmed and device.bin_key == b32decode(DEMO_TOTP_SECRET)
    assert not TOTPDevice.objects.filter(user__username="inst_qizhi").exists()
    capsys.readouterr()
    call_command("demo_totp")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and device.verify_token(code)


def test_load_demo_has_a_case_in_review_and_a_decided_one(db, settings, tmp_path):
    """Every role has something to see: experts with sheets to fill, a stamped 附件2."""
    from appraisal.models import Case, Decision, ReviewSheet
    from portal.models import User

    settings.APPRAISAL_SIGNING_DIR = tmp_path / "signing"
    call_command("load_demo", stdout=io.StringIO())
    reviewing = Case.objects.get(state="in_review")
    round = reviewing.current_round
    assert round.opinion.leader is not None and round.activities.exists()
    assert not ReviewSheet.objects.filter(round=round, submitted_at__isnull=False).exists()
    decided = Case.objects.get(state="decided")
    decision = Decision.objects.get(round__case=decided)
    assert decision.document.kind == IssuedDocument.Kind.OPINION and decision.document.is_signed
    assert decision.results[0]["category"] == "non_academic"
    for username in ("changji_clerk", "fukang_clerk", "zhou_clerk"):
        clerk = User.objects.get(username=username)
        assert clerk.has_perm("portal.apply_seal", clerk.bureau)  # 印章保管 of its own bureau
        others = Bureau.objects.exclude(pk=clerk.bureau_id)
        assert not any(clerk.has_perm("portal.apply_seal", b) for b in others)


def test_load_demo_has_a_rereview_for_the_prefecture(db, settings, tmp_path):
    """The prefecture clerk finds a forwarded re-review to sign for, with 附件3, and can draw it
    from the prefecture's pool."""
    from appraisal.models import Case, RereviewRequest
    from appraisal.panel import draws
    from appraisal.rereview import services as rereview
    from portal.models import User

    settings.APPRAISAL_SIGNING_DIR = tmp_path / "signing"
    call_command("load_demo", stdout=io.StringIO())
    case = Case.objects.get(state="rereview_forwarded")
    request = RereviewRequest.objects.get(case=case)
    assert request.document.kind == "rereview" and request.materials.exists()
    clerk = User.objects.get(username="zhou_clerk")
    rereview.receive_rereview(clerk, case.pk)
    case.refresh_from_db()
    commitment = draws.pending_commitment(clerk, case)
    draw = draws.draw_panel(
        clerk,
        case.pk,
        panel_size=3,
        subjects=draws.case_subject_codes(case),
        commitment_id=commitment.pk,
        witness=User.objects.get(username="jiandu"),  # the README's witness of every demo draw
        witness_value="20261215",
    )
    assert draw.pool == clerk.bureau
    # The demo's draws were witnessed too, and each is on the transparency log.
    from appraisal.models import Draw

    assert not Draw.objects.filter(witness__isnull=True).exists()
    assert all(d.log_entry.sha256 for d in Draw.objects.all())


def test_the_case_in_review_can_later_be_re_reviewed_from_the_prefecture_pool(
    db, settings, tmp_path
):
    """The README's journey takes 数独与逻辑游戏 through its re-review: the prefecture's pool has
    enough experts of its areas for a panel of three with an alternate, none of them from the
    first round."""
    from appraisal.models import Case
    from appraisal.panel import draws
    from portal.models import Bureau

    settings.APPRAISAL_SIGNING_DIR = tmp_path / "signing"
    call_command("load_demo", stdout=io.StringIO())
    case = Case.objects.get(projects__name="数独与逻辑游戏")
    prefecture = Bureau.objects.get(code="652300")
    screening = draws.screen(case, prefecture, draws.case_subject_codes(case), False)
    assert len(screening.candidates) >= 4
