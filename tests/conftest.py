"""Suite-wide ordering for parallel runs: under pytest-xdist (`make test`), tests marked `slow` are handed
out first, so the workers end together instead of one running a 40 s test while the other is idle."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # one process: keep the files' order
        return
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order
