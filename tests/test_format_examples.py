"""The runnable examples in the format adapters' module docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["table_stream", "fixed_layout", "text_entities", "json_records", "twitter_v2",
           "twitter_io", "ira538", "crowdtangle", "youtube", "json_object"]


@pytest.mark.parametrize("name", MODULES)
def test_module_example_runs(name):
    module = importlib.import_module(f"swarmscope.sources.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0
