"""Values kept per process: a bounded memo for texts and hashes that are pure functions of their key.

Pages written in Python keep what they would otherwise make on every request (a localised label with
its currency, a list of options with one selected, a signed payload, the session-protection hash).
Each of those is a function of its key alone, so dropping them costs only making them again: a
``Kept`` is emptied when it is full rather than tracking which entry was used last (an LRU would cost
more on every hit than an occasional refill).
"""


class Kept(dict):
    """A dict of at most ``limit`` entries, emptied when one more is kept."""

    __slots__ = ("limit",)

    def __init__(self, limit: int = 4096):
        super().__init__()
        self.limit = limit

    def keep(self, key, value):
        """Keep ``value`` under ``key`` and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value

    def made(self, key, make):
        """The value under ``key``; ``make()`` it the first time (a None result is made again)."""
        value = self.get(key)
        if value is None:
            value = self.keep(key, make())
        return value
