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
