"""Where `app.db` was: tests/test_package.py (owned by the image work) still imports it here.

Remove once that test imports `app.store.db`.
"""

from app.store.db import MIGRATIONS_DIR, migration_files, open_database

__all__ = ["MIGRATIONS_DIR", "migration_files", "open_database"]
