"""印章保管: the seal of a bureau is entrusted per bureau by the admin (a django-guardian object
permission, ``SealCustody``), and only its holders among the staff running a round may stamp."""

from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm, remove_perm

from appraisal.workflow import rules
from audit.models import Action, AuditEvent
from portal.models import SEAL, SealCustody, User
from tests import factories


def fresh(user):
    return User.objects.get(pk=user.pk)  # no cached permissions


def test_the_seal_of_the_own_bureau_is_needed(accepted_case, clerk, fukang):
    round = accepted_case.rounds.get(number=1)
    assert not rules.holds_seal(round, clerk)
    assign_perm(SEAL, clerk, fukang)  # another bureau's seal does not open this one
    assert not rules.holds_seal(round, fresh(clerk))
    assign_perm(SEAL, clerk, clerk.bureau)
    assert rules.holds_seal(round, fresh(clerk))


def test_a_global_permission_is_not_custody(accepted_case, clerk):
    """The seal is never a permission of the whole portal: one on the model gives no bureau's."""
    round = accepted_case.rounds.get(number=1)
    clerk.user_permissions.add(Permission.objects.get(codename="apply_seal"))
    assert not rules.holds_seal(round, fresh(clerk))


def test_granting_and_revoking_custody_is_audited(clerk):
    assign_perm(SEAL, clerk, clerk.bureau)
    granted = AuditEvent.objects.filter(action=Action.PERMISSION_CHANGE).latest("id")
    assert granted.data["change"] == "add" and clerk.bureau.bureau_name in granted.data["items"][0]
    remove_perm(SEAL, clerk, clerk.bureau)
    assert not SealCustody.objects.filter(user=clerk).exists()
    revoked = AuditEvent.objects.filter(action=Action.PERMISSION_CHANGE).latest("id")
    assert revoked.data["change"] == "remove"


def test_the_admin_sees_the_custodians_on_the_bureau(client, clerk, changji, jurisdictions):
    admin = factories.user("admin", is_staff=True, is_superuser=True)
    assign_perm(SEAL, clerk, changji)
    factories.login(client, admin)
    page = client.get(f"/admin/portal/bureau/{changji.pk}/change/").content.decode()
    assert "印章保管人" in page
    assert f"selected>{clerk}<" in page  # the custodian, chosen in the inline
