"""Fixtures for the notification tests (the receivers live in ``fake_receivers``)."""

from tests.notify.fake_receivers import receiver_factory

__all__ = ["receiver_factory"]
