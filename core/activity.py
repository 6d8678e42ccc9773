"""Idle timeouts shared by every web process: "has this key seen no activity for N seconds?"

One storage, the one the rate limits use (`RATELIMIT_STORAGE_URL`): Redis in production, where
each check is one script call (EVALSHA, a single round trip: the key's TTL is the idle clock),
this process's memory otherwise (the embedded default runs one process). A key that is not there
is alive only while it is `fresh` (its owner says it started less than N seconds ago); once it
has gone idle it stays dead, because a dead key is never written again. When Redis cannot be
reached the check passes (logged), as the rate limits do: an outage must not end every session.
"""

import logging
import threading
import time
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "sightline:activity:"
MEMORY_MAX_KEYS = 100_000

# KEYS[1]: the key; ARGV: idle seconds, fresh (1/0), touch (1/0). Returns 1 alive, 0 idle.
_SCRIPT = """
local alive = ARGV[2] == '1' or redis.call('EXISTS', KEYS[1]) == 1
if alive and ARGV[3] == '1' then redis.call('SET', KEYS[1], '1', 'EX', ARGV[1]) end
if alive then return 1 end
return 0
"""


class _MemoryActivity:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def alive(self, key: str, *, idle_seconds: int, fresh: bool, touch: bool) -> bool:
        now = time.monotonic()
        with self._lock:
            alive = fresh or self._until.get(key, 0.0) > now
            if alive and touch:
                if len(self._until) >= MEMORY_MAX_KEYS:
                    self._until = {k: t for k, t in self._until.items() if t > now}
                self._until[key] = now + idle_seconds
            return alive


class _RedisActivity:
    def __init__(self, url: str) -> None:
        self._script = redis.Redis.from_url(url).register_script(_SCRIPT)

    def alive(self, key: str, *, idle_seconds: int, fresh: bool, touch: bool) -> bool:
        try:
            args = [idle_seconds, int(fresh), int(touch)]
            return self._script(keys=[KEY_PREFIX + key], args=args) == 1
        except redis.RedisError:
            logger.warning("activity storage unavailable; %s not checked", key, exc_info=True)
            return True


@cache
def _store(url: str) -> _MemoryActivity | _RedisActivity:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _RedisActivity(url)
    return _MemoryActivity()


def still_active(key: str, *, idle_seconds: int, fresh: bool, touch: bool = True) -> bool:
    """Whether `key` saw activity within the last `idle_seconds` (or is `fresh`); with `touch`,
    this call is activity too. A request that does not stand for the viewer (a page's own
    background refresh) checks without touching."""
    return _store(settings.RATELIMIT_STORAGE_URL).alive(
        key, idle_seconds=idle_seconds, fresh=fresh, touch=touch
    )
