"""The farm's answer log tells a client's retries (a repeat after a retryable answer) from true
duplicate fetches (a repeat after an answer that needed none)."""

from __future__ import annotations

import http.client
import socket
import urllib.error
from urllib.parse import urlsplit

import pytest

from portalsim import faults
from portalsim.server import is_retryable, split_repeats
from tests.farm.helpers import fault_portal, fetch, portal_of


def test_split_repeats_pure():
    log = [
        ("GET", "/a", "", "503"), ("GET", "/a", "", "200"),          # retry
        ("GET", "/b", "", "200"), ("GET", "/b", "", "200"),          # duplicate
        ("POST", "/c", "x=1", "200"), ("POST", "/c", "x=2", "200"),  # different bodies: distinct
        ("GET", "/d", "", "reset"), ("GET", "/d", "", "truncate"), ("GET", "/d", "", "200"),  # 2 retries
        ("GET", "/d", "", "200"),                                    # then a duplicate
        ("GET", "/robots.txt", "", "200"), ("GET", "/robots.txt", "", "200"),
        ("GET", "/e", "", "429"), ("GET", "/e", "", "404"), ("GET", "/e", "", "404"),  # retry, duplicate
    ]
    retries, duplicates = split_repeats(log, ignore=lambda path: path.endswith("robots.txt"))
    assert retries == {("GET", "/a", ""): 1, ("GET", "/d", ""): 2, ("GET", "/e", ""): 1}
    assert duplicates == {("GET", "/b", ""): 1, ("GET", "/d", ""): 1, ("GET", "/e", ""): 1}
    _, with_robots = split_repeats(log)
    assert with_robots[("GET", "/robots.txt", "")] == 1


@pytest.mark.parametrize("outcome, retryable", [("500", True), ("503", True), ("429", True), ("408", True),
                                                ("stall", True), ("reset", True), ("truncate", True),
                                                ("200", False), ("404", False), ("302", False),
                                                ("412", False)])
def test_retryable_outcomes(outcome, retryable):
    assert is_retryable(outcome) is retryable


def test_served_repeats_are_split_into_retries_and_duplicates(farm_server, manifest):
    farm_server.state = faults.FaultState()
    farm_server.clear_log()
    burst = fault_portal(manifest, "burst-5xx")["column_url"]
    assert [fetch(burst).status for _ in range(2)][1] == 200          # 5xx, then its retry
    reset = fault_portal(manifest, "reset")["column_url"]
    with pytest.raises((ConnectionResetError, urllib.error.URLError, http.client.RemoteDisconnected)):
        fetch(reset)
    assert fetch(reset).status == 200                                 # retry after a reset
    healthy = portal_of(manifest, "trs")["column_url"]
    assert fetch(healthy).status == 200 and fetch(healthy).status == 200   # a true duplicate
    retries, duplicates = farm_server.repeats()
    assert sorted(retries.values()) == [1, 1]
    assert {path for _, path, _ in retries} == {urlsplit(burst).path, urlsplit(reset).path}
    assert list(duplicates.values()) == [1]
    assert next(iter(duplicates))[1] == urlsplit(healthy).path
    assert [outcome for *_, outcome in farm_server.answer_log][:2] in (["500", "200"], ["503", "200"])


def test_a_stall_counts_as_timeout_only_when_the_client_gave_up(farm_server, manifest):
    portal = fault_portal(manifest, "timeout")
    stall = farm_server.farm.options.timeout_s
    farm_server.state = faults.FaultState()
    farm_server.clear_log()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(portal["column_url"], timeout=stall / 3)
    assert fetch(portal["column_url"]).status == 200
    retries, duplicates = farm_server.repeats()
    assert sum(retries.values()) == 1 and duplicates == {}
    # a stall the client waits out is an ordinary answer: asking again is a duplicate
    farm_server.state = faults.FaultState()
    farm_server.clear_log()
    assert fetch(portal["column_url"], timeout=stall * 10).status == 200
    assert fetch(portal["column_url"]).status == 200
    retries, duplicates = farm_server.repeats()
    assert retries == {} and sum(duplicates.values()) == 1
