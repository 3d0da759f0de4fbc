"""The README's Python example runs as written, and prints what it says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_readme_python_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", readme, re.S)
    assert block is not None, "the README has a Python example"
    code = block.group(1)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.split("\n")
    # Each `print(...)  # expected` comment in the example is what that line prints.
    expected = re.findall(r"^print\(.*?\)\s+# (.+)$", code, re.M)
    assert printed[: len(expected)] == expected
