"""Provider tests share process-wide circuit breakers: each test starts and ends with them closed."""

from collections.abc import Iterator

import pytest

from notes_pipeline.providers.http.breaker import reset_circuit_breakers


@pytest.fixture(autouse=True)
def fresh_breakers() -> Iterator[None]:
    reset_circuit_breakers()
    yield
    reset_circuit_breakers()
