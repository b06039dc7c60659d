"""The built wheel carries the rules: installed in a fresh venv, it lints a fixture
using the rule files inside the wheel, not the ones in this checkout."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "proposals" / "pdf" / "01-smileline-dental-assistant.pdf"


def test_wheel_in_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    # Offline build with the hatchling from the dev extras: tests never reach the network.
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = dist.glob("proposal_lint-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # Dependencies (spaCy, pdfplumber, ...) come from this test run's environment;
    # proposal_lint itself only from the wheel.
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )

    where = subprocess.check_output(
        [str(py), "-c", "from proposal_lint.rules.loader import builtin_rules_dir; print(builtin_rules_dir())"],
        text=True, cwd=tmp_path,
    ).strip()
    assert Path(where).is_relative_to(site), where
    assert sorted(p.name for p in Path(where).glob("PL*.yaml"))[:3] == ["PL001.yaml", "PL002.yaml", "PL003.yaml"]

    out = subprocess.run(
        [str(venv / "bin" / "proposal-lint"), "--format", "json", str(SAMPLE)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert out.returncode == 1, out.stderr
    [doc] = json.loads(out.stdout)["documents"]
    assert doc["verdict"]["recommendation"] == "rag"
    assert {"PL001", "PL002", "PL003"} <= {f["rule_id"] for f in doc["findings"]}
