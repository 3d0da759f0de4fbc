"""The wheel claims only the `tracker` namespace: it installs beside PyPI's `events` and `config`."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Both are unrelated published packages whose import names are the folders of our layout:
# Events 0.5 installs `events/`, config 0.5.1 installs `config/`.
NEIGHBOURS = ("Events==0.5", "config==0.5.1")

PROBE = """
import importlib, pkgutil, sys, sysconfig
import config, events
site = sysconfig.get_paths()["purelib"]
assert events.__file__.startswith(site) and hasattr(events, "Events"), events.__file__
assert config.__file__.startswith(site) and hasattr(config, "Config"), config.__file__
import tracker
names = [m.name for m in pkgutil.walk_packages(tracker.__path__, "tracker.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
assert sys.modules["events"] is events and sys.modules["config"] is config
from tracker import Settings, open_tracker
from tracker.demo import load_demo
print("IMPORTED", len(names))
"""


@pytest.mark.slow
def test_wheel_installs_beside_published_events_and_config(tmp_path: Path) -> None:
    """Build the wheel, install it into a new venv with PyPI's `events` and `config`, and use both."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                   check=True, timeout=600)
    wheel = next(tmp_path.glob("commitments_tracker-*.whl"), None) or next(tmp_path.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist() if not name.split("/")[0].endswith(".dist-info")}
        names = set(archive.namelist())
    assert tops == {"tracker"}, tops
    # The client's folders travel inside the namespace, data files included.
    assert {"tracker/events/vocabulary.py", "tracker/projections/queries.py", "tracker/config/demo/demo.jsonl",
            "tracker/config/names/sco.toml", "tracker/config/reminders.toml",
            "tracker/projections/reports/report.schema.json",
            "tracker/projections/reports/templates/report.css"} <= names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    # Our dependencies come from the test environment's site-packages (a .pth line is appended
    # after the new venv's own site-packages), so only the wheel and its two neighbours install.
    venv_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip()
    Path(venv_site, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel), *NEIGHBOURS],
                   check=True, timeout=600)

    # Run away from the checkout so its folders cannot stand in for the installed ones.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TRACKER_DATABASE_URL")}
    done = subprocess.run([str(python), "-c", PROBE], check=False, cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("IMPORTED ")
    demo = subprocess.run([str(venv / "bin" / "tracker"), "demo"], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert "38 events stored" in demo.stdout
    assert (tmp_path / "demo-report.html").stat().st_size > 0
