"""Seal images in the admin: uploaded as PNG, the newest active, history kept, never deleted."""

from django.core.files.uploadedfile import SimpleUploadedFile

from appraisal.documents.context import seal_for
from appraisal.documents.seal import seal_png
from appraisal.models import BureauSeal
from tests import factories


def sysadmin():
    return factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)


def post_seal(client, bureau, content, name="seal.png"):
    return client.post(
        "/admin/appraisal/bureauseal/add/",
        {
            "bureau": bureau.pk,
            "image": SimpleUploadedFile(name, content, "image/png"),
            "is_active": "on",
            "note": "新刻印章",
        },
    )


def test_uploaded_seal_becomes_active_and_is_used_by_documents(client, changji):
    admin = sysadmin()
    factories.login(client, admin)
    response = post_seal(client, changji, seal_png("昌吉市教育局"))
    assert response.status_code == 302
    first = BureauSeal.objects.get(bureau=changji)
    assert first.is_active and first.uploaded_by == admin and len(first.sha256) == 64
    assert seal_for(changji).startswith("data:image/png;base64,")
    post_seal(client, changji, seal_png("昌吉市教育局 新"))
    first.refresh_from_db()
    assert not first.is_active
    assert BureauSeal.objects.filter(bureau=changji).count() == 2
    assert BureauSeal.objects.filter(bureau=changji, is_active=True).count() == 1


def test_a_file_that_is_not_a_png_is_refused(client, changji):
    factories.login(client, sysadmin())
    response = post_seal(client, changji, b"GIF89a not a seal", name="seal.png")
    assert response.status_code == 200
    assert "请上传 PNG 格式的印章图片" in response.content.decode()
    assert not BureauSeal.objects.exists()


def test_seals_cannot_be_deleted(client, changji):
    factories.login(client, sysadmin())
    post_seal(client, changji, seal_png("昌吉市教育局"))
    seal = BureauSeal.objects.get()
    response = client.post(f"/admin/appraisal/bureauseal/{seal.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert BureauSeal.objects.filter(pk=seal.pk).exists()


def test_a_seals_page_shows_the_image_instead_of_a_link_that_leads_nowhere(client, changji):
    """Stored files have no public address: the page shows the image itself, and can still
    change whether the seal is active."""
    factories.login(client, sysadmin())
    post_seal(client, changji, seal_png("昌吉市教育局"))
    seal = BureauSeal.objects.get()
    page = client.get(f"/admin/appraisal/bureauseal/{seal.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/png;base64,' in html
    assert seal.image.name not in html  # no link to the stored file's name
    response = client.post(
        f"/admin/appraisal/bureauseal/{seal.pk}/change/", {"is_active": "", "note": "停用"}
    )
    assert response.status_code == 302
    seal.refresh_from_db()
    assert not seal.is_active and seal.note == "停用"
