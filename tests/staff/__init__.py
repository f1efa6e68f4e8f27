"""Tests of the org dashboard (app.staff)."""
