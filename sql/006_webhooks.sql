-- Inbound webhooks (docs/algo-trading.md, "Webhooks"): a per-player signal URL /api/v1/hooks/<hook_id>
-- that turns a TradingView-style alert into an order. The alert carries the hook's secret (TradingView
-- cannot sign or set headers); only its SHA-256 is stored, the secret is shown once.
CREATE TABLE api_webhooks (
  hook_id     text        PRIMARY KEY,                   -- "wh_" + 16 hex, part of the URL
  secret_hash bytea       NOT NULL,                      -- sha256 of the secret
  game_id     text        NOT NULL,
  player_id   text        NOT NULL,
  name        text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX api_webhooks_player ON api_webhooks (game_id, player_id);
