-- Media known from webhooks and reconciliation, one row per (instance, Arr id).
CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    instance      TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('movie', 'series')),
    arr_id        INTEGER NOT NULL,
    title         TEXT    NOT NULL DEFAULT '',
    year          INTEGER NOT NULL DEFAULT 0,
    folder        TEXT    NOT NULL DEFAULT '',
    tmdb_id       INTEGER NOT NULL DEFAULT 0,
    state         TEXT    NOT NULL DEFAULT 'new',
    reason        TEXT    NOT NULL DEFAULT '',
    trailer_path  TEXT    NOT NULL DEFAULT '',
    trailer_ours  INTEGER NOT NULL DEFAULT 0,
    pinned_url    TEXT    NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0,
    retry_after   REAL    NOT NULL DEFAULT 0,
    updated_at    REAL    NOT NULL,
    UNIQUE (instance, arr_id)
);
CREATE INDEX media_state ON media (state);

-- Every webhook accepted; 'queued' rows are the durable record of work not yet done.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    received_at  REAL    NOT NULL,
    instance     TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    arr_id       INTEGER,
    summary      TEXT    NOT NULL DEFAULT '',
    job_id       TEXT,
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'done', 'recorded'))
);
CREATE INDEX events_queued ON events (job_id) WHERE state = 'queued';

-- One row per finished job run, with the full decision.
CREATE TABLE job_runs (
    id            INTEGER PRIMARY KEY,
    job_id        TEXT    NOT NULL,
    instance      TEXT    NOT NULL,
    arr_id        INTEGER NOT NULL,
    started_at    REAL    NOT NULL,
    finished_at   REAL    NOT NULL,
    outcome       TEXT    NOT NULL,
    reason        TEXT    NOT NULL DEFAULT '',
    trailer_path  TEXT    NOT NULL DEFAULT '',
    candidates    TEXT    NOT NULL DEFAULT '[]',
    bytes         INTEGER NOT NULL DEFAULT 0,
    seconds       REAL    NOT NULL DEFAULT 0
);
CREATE INDEX job_runs_media ON job_runs (instance, arr_id, id);
