-- The real height of the trailer in place, as ffprobe measured it (labels lie).
ALTER TABLE media ADD COLUMN trailer_height INTEGER NOT NULL DEFAULT 0;
