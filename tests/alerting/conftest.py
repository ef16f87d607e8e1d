"""Fixtures for the alerting tests (the fake receivers come from tests.notify)."""

from tests.notify.fake_receivers import receiver_factory

__all__ = ["receiver_factory"]
