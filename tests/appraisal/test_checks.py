"""The system checks that guard PDF rendering speed and glyphs."""

import ctypes.util

from appraisal import checks


def test_harfbuzz_subset_present_here():
    assert checks.harfbuzz_subset_available() == []


def test_warns_loudly_when_harfbuzz_subset_is_missing(monkeypatch):
    real = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if name == "harfbuzz-subset" else real(name)
    )
    warnings = checks.harfbuzz_subset_available()
    assert [w.id for w in warnings] == ["appraisal.W001"]
    assert "libharfbuzz-subset0" in warnings[0].hint


def test_font_check_names_the_missing_font(settings):
    settings.APPRAISAL_PDF_FONT = "No Such Font SC"
    warnings = checks.cjk_font_available()
    assert [w.id for w in warnings] == ["appraisal.W002"]
    settings.APPRAISAL_PDF_FONT = "Noto Serif CJK SC"
    assert checks.cjk_font_available() == []
