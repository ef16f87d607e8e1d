"""Fixtures the security tests share with other test packages."""

from tests.notify.fake_receivers import receiver_factory  # noqa: F401
from tests.web.conftest import browser, browser_page  # noqa: F401
