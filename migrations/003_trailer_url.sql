-- The address the trailer Trailarr wrote came from, so a pinned URL is downloaded once.
ALTER TABLE media ADD COLUMN trailer_url TEXT NOT NULL DEFAULT '';
