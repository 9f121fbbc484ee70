"""The admin pages of the login throttling read in Chinese (its package ships no zh_Hans)."""

from tests import factories


def test_login_throttling_admin_is_in_chinese(client, jurisdictions):
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "登录尝试记录" in page and "尝试时间" in page
    assert "access attempt" not in page and "Attempt Time" not in page
    index = client.get("/admin/").content.decode()
    assert "登录保护" in index and ">Axes<" not in index and "OTP_TOTP" not in index


def test_the_compiled_catalog_matches_its_source():
    """django.mo is committed (no gettext tools needed to run the portal): it must say what
    django.po says."""
    import gettext
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "portal/locale/zh_Hans/LC_MESSAGES"
    for domain in ("django", "djangojs"):
        text = (folder / f"{domain}.po").read_text()
        source = dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M))
        plurals = re.findall(r'^msgid "(.+)"\nmsgid_plural "(.+)"\nmsgstr\[0\] "(.*)"$', text, re.M)
        with open(folder / f"{domain}.mo", "rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        assert source and all(compiled.gettext(k) == v for k, v in source.items())
        for one, many, said in plurals:  # Chinese has one form (Plural-Forms: plural=0)
            assert compiled.ngettext(one, many, 1) == compiled.ngettext(one, many, 12) == said
        # the header, then exactly these
        assert len(compiled._catalog) - 1 == len(source) + len(plurals)


def test_password_rules_speak_chinese():
    """Django 5.2 reworded the length rule; its zh_Hans catalog still has the old words."""
    from django.contrib.auth.password_validation import MinimumLengthValidator
    from django.utils import translation

    with translation.override("zh-hans"):
        assert MinimumLengthValidator(12).get_error_message() == "密码太短，至少须包含 12 个字符。"


def test_the_admin_index_and_its_scripts_speak_chinese(client, jurisdictions):
    """Strings Django 5.2's own zh_Hans catalogs lack: the index's table headers and the two-list
    selector's buttons (``Choose all %s``), which come from the admin's JavaScript catalog."""
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    index = client.get("/admin/").content.decode()
    assert "模型名称" in index and "Model name" not in index
    catalog = client.get("/admin/jsi18n/").content.decode()
    assert '"Choose all %s": "\\u5168\\u9009%s"' in catalog  # 全选%s


def test_login_records_are_read_only(client, jurisdictions):
    """Logins and failed logins are security records: the admin shows them, never changes or
    deletes them; a lockout (its AccessAttempt) can still be lifted."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    log = AccessLog.objects.create(username="clerk", ip_address="10.0.0.1", user_agent="x")
    failure = AccessFailureLog.objects.create(username="clerk", ip_address="10.0.0.1")
    attempt = AccessAttempt.objects.create(
        username="clerk", ip_address="10.0.0.1", failures_since_start=5
    )
    for model, row in (("accesslog", log), ("accessfailurelog", failure)):
        assert client.get(f"/admin/axes/{model}/{row.pk}/change/").status_code == 200  # to read
        assert (
            client.post(f"/admin/axes/{model}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
        )
        listing = client.get(f"/admin/axes/{model}/").content.decode()
        assert "delete_selected" not in listing
    assert AccessLog.objects.filter(pk=log.pk).exists()
    assert AccessFailureLog.objects.filter(pk=failure.pk).exists()
    edited = client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/change/", {"failures_since_start": 0}
    )
    assert edited.status_code == 403  # a lockout is read and lifted, never edited
    client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_every_failed_login_is_kept(client, jurisdictions):
    from axes.models import AccessFailureLog

    factories.user("county", bureau=factories.bureau("652301"), username="clerk_wang")
    client.post("/accounts/login/", {"username": "clerk_wang", "password": "wrong"})
    assert AccessFailureLog.objects.filter(username="clerk_wang").count() == 1


def test_the_portal_is_named_in_chinese_in_the_admin(client, jurisdictions):
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    index = client.get("/admin/").content.decode()
    assert "平台与账户" in index and ">Portal<" not in index


def test_the_audit_trail_columns_are_named_in_chinese(client, jurisdictions):
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    page = client.get("/admin/audit/auditevent/").content.decode()
    assert "事件" in page and "Action label" not in page and "ACTION LABEL" not in page
