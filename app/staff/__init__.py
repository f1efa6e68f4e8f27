"""The org dashboard for employees (``/dashboard/<org_slug>``): so far the assignment review queue."""
