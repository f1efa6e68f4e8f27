"""The org dashboard for employees (``/dashboard/<org_slug>``): the shell (blueprint.py, nav.py,
shell.py), the overview (views.py, overview.py) and one module per area (submissions.py). Owns no
models: it reads them and calls the services the storefront uses."""
