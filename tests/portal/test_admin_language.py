"""The admin pages of the login throttling read in Chinese (its package ships no zh_Hans)."""

from tests import factories


def test_login_throttling_admin_is_in_chinese(client, jurisdictions):
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "登录尝试记录" in page and "尝试时间" in page
    assert "access attempt" not in page and "Attempt Time" not in page


def test_the_compiled_catalog_matches_its_source():
    """django.mo is committed (no gettext tools needed to run the portal): it must say what
    django.po says."""
    import gettext
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "portal/locale/zh_Hans/LC_MESSAGES"
    source = dict(
        re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', (folder / "django.po").read_text(), re.M)
    )
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert source and all(compiled.gettext(k) == v for k, v in source.items())
    assert len(compiled._catalog) - 1 == len(source)  # the header, then exactly these
