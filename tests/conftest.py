"""Shared fixtures.

Real sample data lives in ``../shared/data`` beside the checkout (see its README). Tests that
need it use the ``shared_data`` fixture: outside this workplace the data is absent and such tests
skip with a reason, except under CI (``CI=true``, as ``.ci/run`` sets), where absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("SWARMSCOPE_SHARED_DATA", ROOT.parent / "shared" / "data"))
TEST_DATA = Path(__file__).resolve().parent / "data"


def require_shared(*parts: str) -> Path:
    """Path under ../shared/data; skip (or fail under CI) when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        msg = f"shared sample data not found at {path} (it lives beside the checkout in ../shared/data)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg + "; under CI its absence is a failure")
        pytest.skip(msg)
    return path


@pytest.fixture
def shared_data() -> Path:
    return require_shared()


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture
def case(tmp_path: Path):
    from swarmscope import Case

    return Case.init(tmp_path / "case")
