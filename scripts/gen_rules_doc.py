"""Write docs/rules.md from the rule files (rules/*.yaml), so the docs never drift.

    python scripts/gen_rules_doc.py          # rewrite docs/rules.md
    python scripts/gen_rules_doc.py --check  # exit 1 if docs/rules.md is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from proposal_lint.rules.loader import load_ruleset  # noqa: E402

OUT = ROOT / "docs" / "rules.md"


def _para(text: str) -> str:
    return " ".join(text.split())


def render() -> str:
    rs = load_ruleset()
    lines = [
        "# Rules",
        "",
        "Generated from `rules/*.yaml` by `scripts/gen_rules_doc.py`; do not edit by hand.",
        "",
        "| id | name | severity | message |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| [{r.id}](#{r.id.lower()}) | {r.name} | {r.severity.value} | {_para(r.message)} |" for r in rs.rules]
    for r in rs.rules:
        d = r.documentation
        lines += [
            "",
            f"## {r.id}",
            "",
            f"**{r.name}** ({r.severity.value}): {_para(r.message)}",
            "",
            f"**What it checks.** {_para(d.what)}",
            "",
            f"**Why it matters.** {_para(d.why)}",
            "",
            f"**What good looks like.** {_para(d.good)}",
            "",
            f"**Ask the vendor:** {_para(r.question)}",
            "",
            "Flagged:",
            "",
        ]
        lines += [f"- {_para(t)}" if "|" not in t else "- (table)\n\n  ```\n" + "\n".join("  " + l for l in t.strip().splitlines()) + "\n  ```" for t in r.examples.flag]
        lines += ["", "Not flagged:", ""]
        lines += [f"- {_para(t)}" if "|" not in t else "- (table)\n\n  ```\n" + "\n".join("  " + l for l in t.strip().splitlines()) + "\n  ```" for t in r.examples.ok]
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/gen_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
