"""Fixtures shared by the learn tests (registered here so test modules need not import them)."""

from tests.learn.player_fixtures import school  # noqa: F401
