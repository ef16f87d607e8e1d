"""Operations on a whole installation: backing the SQLite database up and restoring it.

No Django here: these modules work on database files with :mod:`sqlite3`, so that a
backup never goes through the ORM and a restore can check a file before any Django
connection touches it.  The ``ekkyo backup`` and ``ekkyo restore`` commands
(:mod:`ekkyo.cli.backup`) add what needs Django: where the database is, and which
migrations this code knows.  See ``docs/operations.md``.
"""

from ekkyo.ops.errors import OpsError

__all__ = ["OpsError"]
