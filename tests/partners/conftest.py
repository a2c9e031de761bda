"""The Riverbend personas for these tests."""

from tests.fixtures import riverbend

__all__ = ["riverbend"]
