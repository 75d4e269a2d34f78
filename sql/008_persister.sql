-- The persister writes every event once, about 2.4 rows per order (docs/persistence.md, "Lag and cost").
-- events_game_type (game_id, type, seq) is read by no query: replay, exports and the log read a game's
-- events by (game_id, seq), the primary key. Each event paid one more b-tree insert for it.
DROP INDEX IF EXISTS events_game_type;
