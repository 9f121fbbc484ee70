"""A member of the public checks an issued 附件2: by its QR code's address, then by uploading it."""

import subprocess

import pytest
from django.core.management import call_command

from tests import factories


@pytest.mark.django_db(transaction=True)
def test_verify_an_issued_opinion(live_server, page, shots):
    call_command("loaddata", "fixtures/changji.json", verbosity=0)
    institution = factories.institution("652301", name="昌吉市星河科技培训中心")
    applicant = factories.user("institution", institution=institution)
    clerk = factories.user("county", bureau=factories.bureau("652301"))
    case = factories.accepted_case(applicant, clerk)
    opinion = factories.issue_opinion(case, clerk, round=case.rounds.get(number=1))
    with opinion.file.open("rb") as fh:
        data = fh.read()
    pdf = shots.path("opinion", ".pdf")
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(pdf.with_suffix(""))], check=True)

    # The QR code's address, without logging in.
    page.goto(f"{live_server.url}/verify/{opinion.verification_code}/")
    page.wait_for_selector("text=核验码有效")
    assert page.locator("table.info").inner_text().count(opinion.serial) == 1
    assert "昌吉市星河科技培训中心" in page.content()
    shots.take(page, "verify-by-code")

    # The PDF as received: identical, signature intact.
    page.set_input_files(
        "input[type=file]", {"name": "意见书.pdf", "mimeType": "application/pdf", "buffer": data}
    )
    page.click("text=核验文件")
    page.wait_for_selector("text=与出具的文书完全一致")
    assert "数字签名有效" in page.content()
    shots.take(page, "verify-genuine-upload")

    # The same file with one byte changed.
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0x01
    page.set_input_files(
        "input[type=file]",
        {"name": "意见书.pdf", "mimeType": "application/pdf", "buffer": bytes(tampered)},
    )
    page.click("text=核验文件")
    page.wait_for_selector("text=不是该核验码对应的出具文书")
    assert "数字签名无效" in page.content()
    shots.take(page, "verify-tampered-upload")

    # A code that does not exist.
    page.goto(f"{live_server.url}/verify/0000000000000000/")
    page.wait_for_selector("text=未找到该核验码对应的文书")
    shots.take(page, "verify-unknown-code")
