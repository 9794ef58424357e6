"""Shared fixtures: the real assistant over the project's corpus/ and rules/, loaded once."""
from __future__ import annotations

import pytest

from assistant.engine import Assistant


@pytest.fixture(scope="session")
def engine() -> Assistant:
    return Assistant.load()
