-- Parked games (docs/persistence.md, "Parked games"): a game whose next event PostgreSQL refuses (e.g. a
-- string with NUL, which jsonb and text reject) is parked here instead of blocking every other game.
-- One row per game: the first event that could not be written and why. While the row exists the
-- persister leaves the game's stream alone, so that event and every later one wait in Valkey (nothing
-- is lost, nothing is applied out of order). Deleting the row resumes the game.
CREATE TABLE parked_games (
  game_id    text        PRIMARY KEY,
  seq        bigint      NOT NULL,          -- seq of the refused event (0 when the entry had none)
  entry_id   text        NOT NULL,          -- its stream entry id in game:{<game_id>}:events
  reason     text        NOT NULL,          -- the error PostgreSQL (or the decoder) gave
  event      bytea       NOT NULL,          -- the entry's data as stored in Valkey, UTF-8 bytes (bytea takes any byte)
  parked_at  timestamptz NOT NULL DEFAULT now()
);
