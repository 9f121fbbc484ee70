"""Accessibility check of a page in the browser tests: axe-core (tests/browser/vendor/) with the
WCAG 2.1 A and AA rules; a journey asserts that no page it visits has a serious or critical
violation."""

import hashlib
from pathlib import Path

AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

RUN = """async ([tags, blocking]) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations
    .filter((v) => blocking.includes(v.impact))
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
}"""


def violations(page) -> list[dict]:
    """The serious or critical WCAG 2.1 A/AA violations on the page as it is now. The script is
    evaluated through the browser's protocol, which the portal's Content Security Policy does
    not block (the portal itself never serves it)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8") + "\n;true")
    return page.evaluate(RUN, [WCAG_TAGS, list(BLOCKING)])


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['id']}（{v['impact']}）：{v['help']}")
        lines.extend(f"    {target}" for target in v["targets"][:10])
    return "\n".join(lines)


def check(page) -> None:
    """Assert that the page has no serious or critical violation; a page already checked with
    exactly the same content is not checked again (a journey comes back to the same pages)."""
    page.wait_for_load_state()
    seen = page.context.__dict__.setdefault("axe_checked", set())
    key = hashlib.sha256(page.content().encode()).hexdigest()
    if key in seen:
        return
    found = violations(page)
    assert not found, f"axe-core：{page.url} 有严重无障碍问题：\n{describe(found)}"
    seen.add(key)
