"""What the org services announce, for the packages above them (the layers point down:
``app.revenue`` connects its receivers; ``app/__init__.py`` imports it).

Receivers run inside the service call, in the caller's transaction; they raise to refuse and never
commit.

- ``employee_removed``: ``sender`` is the employee, just made inactive; keywords ``by`` (the admin
  who removed them) and ``at``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
employee_removed = _signals.signal("employee-removed")
