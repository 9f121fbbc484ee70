"""Security headers and production settings: CSP without inline script, HSTS, cookies, check --deploy."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories

BASE = Path(settings.BASE_DIR)
# Templates a browser receives (the documents are rendered to PDF, never served as HTML).
BROWSER_TEMPLATES = [
    p for p in (BASE / "templates").rglob("*.html") if "documents" not in p.relative_to(BASE).parts
]


def production_env(**extra):
    # The test run's own switches (e.g. DJANGO_ALLOW_ASYNC_UNSAFE, for the browser tests) are not
    # part of a deployment.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_PRODUCTION": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "jianding.example.cn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://jianding.example.cn",
    }
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production(tmp_path):
    # A deployment has its bureaus' signing keys in place (without them the portal warns, W003).
    from appraisal.documents.signing import make_key

    make_key("652301", "昌吉市教育局", tmp_path)
    env = production_env(APPRAISAL_SIGNING_DIR=str(tmp_path))
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_production_settings():
    """The check is real: the development settings do not pass it."""
    env = {k: v for k, v in production_env().items() if k != "DJANGO_PRODUCTION"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0


def test_production_settings_switch_on_secure_cookies_and_hsts():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
        "for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_HTTPONLY', "
        "'SESSION_COOKIE_NAME', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', "
        "'SECURE_CONTENT_TYPE_NOSNIFF']}))"
    )
    result = manage("shell", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"]


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy(client, applicant):
    factories.login(client, applicant)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = dict(
        (d.split()[0], d.split()[1:]) for d in (p.strip() for p in policy.split(";")) if d
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", BROWSER_TEMPLATES, ids=lambda p: str(p.relative_to(BASE)))
def test_templates_carry_no_inline_script_or_style(path):
    """The CSP forbids them, so a browser would ignore them: keep scripts and styles in static/."""
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script> block"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler (onclick=…)"
    assert not re.search(r"\sstyle\s*=", text), "inline style= attribute (use a CSS class)"
    assert not re.search(r"<style[\s>]", text), "inline <style> block"
    assert "javascript:" not in text


def test_an_action_opened_by_its_address_gets_a_page_not_a_blank(client, applicant, project_a):
    """GET on a POST-only action: 405 in the site's layout, saying nothing was changed."""
    from appraisal.models import Case

    case = factories.draft_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    response = client.get(f"/cases/{case.pk}/submit/")
    body = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "无法直接打开此地址" in body and "本次未作任何更改" in body
    assert Case.objects.get(pk=case.pk).state == "draft"
