"""Shared fixtures of the farm tests: one served farm (with every fault) per module."""

from __future__ import annotations

import pytest

from portalsim import Farm, FarmOptions, FarmServer

FAST = FarmOptions(timeout_s=0.3, rate_limit_after=3, oversized_bytes=3 * 1024 * 1024, burst_failures=1)


@pytest.fixture(scope="module")
def farm_server():
    farm = Farm.generate(portals=10, seed=7, faults=True, options=FAST)
    with FarmServer(farm, port=0) as server:
        yield server


@pytest.fixture(scope="module")
def manifest(farm_server):
    return farm_server.manifest()
