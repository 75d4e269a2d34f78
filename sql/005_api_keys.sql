-- API keys of algorithmic players (docs/algo-trading.md, "API keys"): one row per key, scoped to one
-- player of one game. Only the key's SHA-256 is stored; the key itself is shown once, when it is made.
-- A revoked key keeps its row (revoked_at set) so the admin view can list it and its usage.
CREATE TABLE api_keys (
  key_id        text        PRIMARY KEY,                 -- public id ("k_" + 16 hex), shown in lists
  key_hash      bytea       NOT NULL UNIQUE,             -- sha256 of the whole key text
  game_id       text        NOT NULL,
  player_id     text        NOT NULL,
  name          text        NOT NULL DEFAULT '',
  -- Per-key request limit: rate_requests requests per rate_window_ms (fixed window).
  rate_requests integer     NOT NULL CHECK (rate_requests > 0),
  rate_window_ms integer    NOT NULL CHECK (rate_window_ms > 0),
  created_by    text        NOT NULL CHECK (created_by IN ('player', 'admin')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);
CREATE INDEX api_keys_player ON api_keys (game_id, player_id);
