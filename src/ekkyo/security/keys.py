"""The encryption keys for secrets at rest, read once at start-up by the settings.

``EKKYO_ENCRYPTION_KEY`` (or ``EKKYO_ENCRYPTION_KEY_FILE``) holds one or more Fernet keys,
separated by commas: the first encrypts, every one decrypts, so a new key is put first,
``ekkyo rotate-key`` re-encrypts the stored secrets, and then the old key is removed.
Without the setting, a key is generated once into the data directory (mode 0600), which
is fine on one machine and wrong for a fleet: a system check says so.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from ekkyo.server.env import SettingError, env_secret

SETTING = "EKKYO_ENCRYPTION_KEY"
KEY_FILE_NAME = "encryption_key"
_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class EncryptionKeys:
    """The keys, newest first; ``generated`` when they came from the data directory."""

    keys: tuple[str, ...] = field(repr=False)
    generated: bool = False

    def __repr__(self) -> str:
        # Settings objects get printed (debug pages, `diffsettings`): never the keys.
        return f"EncryptionKeys(<{len(self.keys)} key(s)>, generated={self.generated})"


def parse_keys(raw: str, *, source: str = SETTING) -> tuple[str, ...]:
    """Comma- or whitespace-separated Fernet keys; the error names the key by position only."""
    keys = tuple(k for k in _SEPARATORS.split(raw.strip()) if k)
    if not keys:
        raise SettingError(f"{source} holds no key")
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SettingError(
                f"{source}: key {number} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes; `ekkyo rotate-key --generate` prints one)"
            ) from None
    return keys


def encryption_keys_for(data_dir: Path) -> EncryptionKeys:
    """The configured keys, else the key generated once into ``data_dir`` (local use)."""
    raw = env_secret(SETTING)
    if raw:
        return EncryptionKeys(parse_keys(raw))
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            # 0600 and O_EXCL: the key unlocks every stored credential, and two processes
            # starting together must not each write (and use) a different one.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(Fernet.generate_key().decode("ascii"))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingError(f"{path} cannot be read: {exc.strerror}") from None
    return EncryptionKeys(parse_keys(text, source=str(path)), generated=True)
