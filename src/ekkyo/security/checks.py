"""System checks of the security settings, with stable ids (docs/security.md).

``ekkyo.W001`` — the encryption key for secrets at rest was generated into the data
directory.  Reported by ``check --deploy`` and, outside it, whenever ``EKKYO_HTTPS`` is on
(a production-like setting): a generated key is lost with the data directory's disk and
differs between machines, so stored credentials would become unreadable.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

W001 = "ekkyo.W001"


def _encryption_key_warning() -> list[Warning]:
    keys = getattr(settings, "EKKYO_ENCRYPTION_KEYS", None)
    if keys is None or not keys.generated:
        return []
    return [
        Warning(
            "Secrets at rest are encrypted with a key generated into the data directory.",
            hint=(
                "Set EKKYO_ENCRYPTION_KEY (or EKKYO_ENCRYPTION_KEY_FILE) to a Fernet key kept "
                "outside the data directory, the same on every web and worker process; "
                "`ekkyo rotate-key --generate` prints a new key. To keep the secrets stored "
                "so far, put the generated key (the file encryption_key in EKKYO_DATA_DIR) "
                "after the new one and run `ekkyo rotate-key`."
            ),
            id=W001,
        )
    ]


@register(Tags.security, deploy=True)
def encryption_key_for_deploy(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    # With HTTPS on, the regular check below speaks (it runs under --deploy too).
    if settings.SESSION_COOKIE_SECURE:
        return []
    return _encryption_key_warning()


@register(Tags.security)
def encryption_key(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.SESSION_COOKIE_SECURE:
        return []
    return _encryption_key_warning()
