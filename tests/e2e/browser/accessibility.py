"""axe-core, run inside the page: WCAG 2.0, 2.1 and 2.2 rules at levels A and AA.

axe.min.js (axe-core, MPL-2.0) comes inside the PyPI package axe-playwright-python (MIT), pinned
in requirements-browser.txt; only its script file is used. It is evaluated through the DevTools
protocol, which the page's Content-Security-Policy (script-src 'self') does not govern, so the
page is checked with its real policy on.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@cache
def axe_script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def check_accessibility(page: Page) -> list[dict[str, Any]]:
    """The violations axe-core finds in the page as it is now (empty if none)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_script())
    results: dict[str, Any] = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        WCAG_A_AA,
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def format_violations(violations: list[dict[str, Any]]) -> str:
    """One block per rule: id, impact, what it asks, where it failed and why."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']}"
            f"  <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"  at {' > '.join(map(str, node['target']))}")
            lines.append(f"     {' '.join(node['html'].split())[:200]}")
            for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                lines.append(f"     - {check['message']}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    violations = check_accessibility(page)
    assert not violations, (
        f"axe-core found {len(violations)} WCAG A/AA violation(s) on {where} ({page.url}):\n"
        + format_violations(violations)
    )
