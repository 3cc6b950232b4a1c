"""Where the tests find a real interpreter with torch (CPU build) to inspect and benchmark.

`.ci/run` builds `.venv-torch` with torch 2.13.0 and exports ENVCHECK_TORCH_PYTHON; tests that
need it skip with this reason when it is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TORCH_PYTHON = os.environ.get("ENVCHECK_TORCH_PYTHON") or str(
    ROOT / ".venv-torch" / "bin" / "python"
)
needs_torch = pytest.mark.skipif(
    not Path(TORCH_PYTHON).exists(),
    reason=f"no torch interpreter at {TORCH_PYTHON} (set ENVCHECK_TORCH_PYTHON)",
)
