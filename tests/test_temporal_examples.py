"""The runnable examples in the temporal modules' docstrings stay runnable."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["curves", "offsets", "timecards", "personas", "leadfollow"])
def test_docstring_examples(name):
    module = importlib.import_module(f"swarmscope.temporal.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
