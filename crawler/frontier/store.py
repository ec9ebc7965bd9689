"""The frontier's Redis state: queues, in-flight leases, the reaper and the run record.

Every key starts with the prefix (``HARVEST_REDIS_PREFIX``, default ``ogi``):

- ``<p>:<spider>:requests``   scrapy-redis priority queue (sorted set) of one family spider
- ``<p>:<spider>:dupefilter`` scrapy-redis duplicate filter (set of request fingerprints)
- ``<p>:inflight:<worker>``   hash token -> {queue, score, request, lease deadline}: what the
  worker popped and has not acknowledged yet
- ``<p>:run``                 the run that holds the frontier (JSON: command, mode, since, filters)
- ``<p>:polite:<host>``, ``<p>:polite:<host>:next``  per-host lease and next allowed start
  (:mod:`crawler.frontier.politeness`)

The pop, renew and reap steps are Lua scripts, so each is atomic against every other worker; the
deadlines use the Redis server's clock (``TIME``), never a worker's.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

#: pop the best request of a queue into the worker's in-flight hash (KEYS: queue, inflight;
#: ARGV: token, lease in ms); returns the request or nil
_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[2], ARGV[1],
           cjson.encode({q = KEYS[1], s = item[2], r = item[1], d = tostring(now + tonumber(ARGV[2]))}))
return item[1]
"""

#: push the lease deadline of every entry of one in-flight hash to now + lease (KEYS: inflight;
#: ARGV: lease in ms)
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local e = cjson.decode(all[i + 1])
  e.d = tostring(now + tonumber(ARGV[1]))
  redis.call('HSET', KEYS[1], all[i], cjson.encode(e))
end
return #all / 2
"""

#: put the expired entries of one in-flight hash back into their queues, past the duplicate
#: filter, marked redelivered (an ``R`` before the JSON: see REDELIVERED) (KEYS: inflight; ARGV:
#: '1' to put back every entry, expired or not)
_REAP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  local e = cjson.decode(all[i + 1])
  if ARGV[1] == '1' or tonumber(e.d) < now then
    redis.call('ZADD', e.q, e.s, 'R' .. e.r)
    redis.call('HDEL', KEYS[1], all[i])
    n = n + 1
  end
end
return n
"""


def unwrap(member: str) -> tuple[str, bool]:
    """(serialised request, whether it was put back by the reaper) of a queue member."""
    stripped = member.lstrip("R")
    return stripped, stripped != member


class FrontierUnavailable(RuntimeError):
    """Redis cannot be reached (at start, or lost during a run); the message names the URL."""


class FrontierBusy(RuntimeError):
    """Another run holds the frontier and is not drained yet."""


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "")
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))


def connect(url: str) -> redis.Redis:
    """A client on ``url`` that answered PING; FrontierUnavailable naming the URL otherwise."""
    try:
        server = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=5, socket_timeout=30,
                                      health_check_interval=30)
        server.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise FrontierUnavailable(f"Redis unreachable at {redacted(url)}: {exc}") from exc
    return server


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Frontier:
    """One worker's (or one enqueuing command's) view of the shared frontier."""

    def __init__(self, server: redis.Redis, prefix: str, *, lease_s: float = 120.0,
                 worker: str | None = None) -> None:
        self.server = server
        self.prefix = prefix
        self.lease_ms = max(int(lease_s * 1000), 1)
        self.worker = worker or worker_id()
        self._pop = server.register_script(_POP)
        self._renew = server.register_script(_RENEW)
        self._reap = server.register_script(_REAP)

    # --- keys ---------------------------------------------------------------------------------

    @property
    def queue_template(self) -> str:
        """scrapy-redis ``SCHEDULER_QUEUE_KEY``."""
        return f"{self.prefix}:%(spider)s:requests"

    @property
    def dupefilter_template(self) -> str:
        """scrapy-redis ``SCHEDULER_DUPEFILTER_KEY``."""
        return f"{self.prefix}:%(spider)s:dupefilter"

    def queue_key(self, spider: str) -> str:
        return self.queue_template % {"spider": spider}

    def dupefilter_key(self, spider: str) -> str:
        return self.dupefilter_template % {"spider": spider}

    @property
    def inflight_key(self) -> str:
        return f"{self.prefix}:inflight:{self.worker}"

    @property
    def run_key(self) -> str:
        return f"{self.prefix}:run"

    def politeness_keys(self, slot: str) -> tuple[str, str]:
        return f"{self.prefix}:polite:{slot}", f"{self.prefix}:polite:{slot}:next"

    def _scan(self, pattern: str) -> list[str]:
        return list(self.server.scan_iter(match=f"{self.prefix}:{pattern}", count=500))

    # --- requests -----------------------------------------------------------------------------

    def pop(self, queue_key: str) -> tuple[str, str] | None:
        """(token, serialised request) of the queue's best request, now leased to this worker."""
        token = uuid.uuid4().hex
        data = self._pop(keys=[queue_key, self.inflight_key], args=[token, self.lease_ms])
        return (token, data) if data else None

    def ack(self, token: str) -> None:
        """The request of ``token`` is done: its response or failure has been processed."""
        self.server.hdel(self.inflight_key, token)

    def renew(self) -> int:
        """Extend the lease of everything this worker holds; returns how many entries it holds."""
        return int(self._renew(keys=[self.inflight_key], args=[self.lease_ms]))

    def reap(self) -> int:
        """Put every expired in-flight entry of any worker back into its queue; returns how many."""
        return sum(int(self._reap(keys=[key], args=["0"])) for key in self._scan("inflight:*"))

    def release_all(self) -> int:
        """Put everything this worker still holds back into the queues (a worker closing early)."""
        return int(self._reap(keys=[self.inflight_key], args=["1"]))

    def queued(self) -> int:
        return sum(int(self.server.zcard(key)) for key in self._scan("*:requests"))

    def in_flight(self) -> int:
        return sum(int(self.server.hlen(key)) for key in self._scan("inflight:*"))

    def drained(self) -> bool:
        """No request queued and none in flight anywhere."""
        return self.queued() == 0 and self.in_flight() == 0

    # --- the run ------------------------------------------------------------------------------

    def run(self) -> dict[str, Any] | None:
        text = self.server.get(self.run_key)
        return json.loads(text) if text else None

    def claim(self, run: dict[str, Any], spiders: list[str]) -> str:
        """Make ``run`` the frontier's run: ``"new"`` when the frontier was drained (the duplicate
        filters of the last run are cleared), ``"joined"`` when the same run is still going (its
        filters kept: a resumed run does not fetch again what was already queued). FrontierBusy
        when a different run holds it."""
        current = self.run()
        run = {**run, "spiders": sorted(spiders)}
        if current is not None and not self.drained():
            same = [k for k in run if k != "spiders"]
            if {k: current.get(k) for k in same} != {k: run[k] for k in same}:
                raise FrontierBusy(f"another run holds the frontier ({current.get('command')} "
                                   f"{json.dumps(current.get('filters') or {}, ensure_ascii=False)}): "
                                   f"{self.queued()} queued, {self.in_flight()} in flight")
            run["spiders"] = sorted(set(run["spiders"]) | set(current.get("spiders") or []))
            self.server.set(self.run_key, json.dumps(run, ensure_ascii=False))
            return "joined"
        stale = self._scan("*:dupefilter") + [self.dupefilter_key(name) for name in spiders]
        pipe = self.server.pipeline()
        pipe.delete(*stale)
        pipe.set(self.run_key, json.dumps(run, ensure_ascii=False))
        pipe.execute()
        return "new"
