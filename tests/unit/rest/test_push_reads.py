"""A push reads what it needs once: routing, linking and availability share one transaction's
reads of the connection's mappings (each read is a statement on a real database).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from dependency_injector import providers

from channel_manager.adapters.memory.unit_of_work import (
    InMemoryUnitOfWork,
    InMemoryUnitOfWorkFactory,
)
from channel_manager.container import Container
from tests.unit.rest.conftest import apply_pushes, client_for, map_hotel, row_counts
from tests.unit.rest.messages import res_notif
from tests.unit.rest.test_push_reservations import push


class CountingReads:
    """A repository that counts the calls of each of its methods, then delegates."""

    def __init__(self, name: str, inner: Any, calls: Counter[str]) -> None:
        self._name = name
        self._inner = inner
        self._calls = calls

    def __getattr__(self, method: str) -> Any:
        target = getattr(self._inner, method)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{self._name}.{method}"] += 1
            return target(*args, **kwargs)

        return counted


class ReadCountingFactory(InMemoryUnitOfWorkFactory):
    """In-memory units of work whose mapping and connection repositories count their calls."""

    calls: Counter[str]

    def __call__(self) -> InMemoryUnitOfWork:
        uow = super().__call__()
        for name in ("connections", "property_mappings", "unit_mappings", "rate_plan_mappings"):
            setattr(uow, name, CountingReads(name, getattr(uow, name), self.calls))
        return uow


def test_applying_a_push_reads_its_property_mapping_and_unit_mappings_once(
    container: Container,
) -> None:
    factory = ReadCountingFactory()
    factory.calls = Counter()
    container.uow_factory.override(providers.Object(factory))
    map_hotel(container)
    factory.calls.clear()
    with client_for(container) as client:
        response = push(client, res_notif())
    assert response.status_code == 200, response.text
    apply_pushes(container)
    assert row_counts(container)["outbound"] >= 1  # availability was published
    reads = factory.calls
    # Routing finds the hotel's mappings; linking reuses the routed one (no find()).
    assert reads["property_mappings.find_by_hotel_code"] == 1
    assert reads["property_mappings.find"] == 0
    # Linking reads the unit mappings; publishing availability reuses them.
    assert reads["unit_mappings.list_by_property_mapping"] == 1
    assert reads["rate_plan_mappings.list_by_property_mapping"] <= 1
