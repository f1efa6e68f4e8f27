"""Web plumbing shared by every blueprint: htmx rendering, error pages, input hooks and forms, the read
cache, Jinja filters, labels and security headers. Imports no feature package."""
