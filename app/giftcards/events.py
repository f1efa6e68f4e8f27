"""What the gift card services announce, for the ledger above them (``app.revenue.posting``
connects the receiver; receivers run in the caller's transaction).

- ``cards_issued``: ``sender`` is the org id; keywords ``currency``, ``total`` (the value of the
  cards issued now), ``count`` and ``source_id`` (a card's id, or a batch's).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
cards_issued = _signals.signal("gift-cards-issued")
