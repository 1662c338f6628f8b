"""SQLite: opening the database and applying `migrations/*.sql`, each in one transaction.

The migrations ship inside the installed package (the `migrations` package's data files), so a
wheel or `pip install .` finds them through `importlib.resources`, not through the source tree.
"""

from __future__ import annotations

import re
import sqlite3
import time
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import aiosqlite

MIGRATIONS_DIR: Traversable = resources.files("migrations")


async def open_database(path: Path) -> aiosqlite.Connection:
    """Open (creating if needed) the database in WAL mode and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a webhook answered 202 must survive power loss, not only a crash.
        await conn.execute("PRAGMA synchronous=FULL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await migrate(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


def migration_files(directory: Traversable = MIGRATIONS_DIR) -> list[tuple[int, Traversable]]:
    """The numbered `NNN_name.sql` files, in order."""
    found = []
    for file in directory.iterdir():
        match = re.match(r"(\d+)_.*\.sql$", file.name)
        if match and file.is_file():
            found.append((int(match.group(1)), file))
    return sorted(found, key=lambda item: item[0])


def split_statements(script: str) -> list[str]:
    """Complete SQL statements of a script (a trigger's inner `;` does not end it)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        statements.append(buffer.strip())  # let SQLite report the incomplete statement
    return statements


async def migrate(conn: aiosqlite.Connection, directory: Traversable = MIGRATIONS_DIR) -> list[int]:
    """Apply the migrations not yet applied; return their versions."""
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    async with conn.execute("SELECT version FROM schema_migrations") as cursor:
        done = {row[0] for row in await cursor.fetchall()}
    applied = []
    for version, file in migration_files(directory):
        if version in done:
            continue
        statements = split_statements(file.read_text(encoding="utf-8"))
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                (version, time.time()),
            )
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        applied.append(version)
    return applied
