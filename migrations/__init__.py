"""The SQLite schema as numbered SQL files, shipped as package data (see app/store/db.py)."""
