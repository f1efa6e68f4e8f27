"""Web plumbing shared by every blueprint: htmx rendering, tenancy URL processors, permissions."""
