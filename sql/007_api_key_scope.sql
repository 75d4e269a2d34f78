-- API keys that expire, and keys of a session (docs/algo-trading.md, "API keys"):
-- expires_at: the key stops working at this time (NULL = until revoked).
-- A session key has game_id = 'session:<session id>' and follows the session's current round.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
