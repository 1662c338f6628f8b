"""SQLite, owned by the `run`/`web` process: opening and migrating (db), the one writer
(writes), and the operator's read queries (reads). Workers never come here.
"""
