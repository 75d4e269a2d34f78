-- Outbound webhooks (docs/algo-trading.md, "Webhooks (outbound)"): a URL registered for a round that
-- receives its events, signed per Standard Webhooks (HMAC-SHA256), retried with backoff, at least once.
-- A hook of a player gets that player's fills; a hook of the admin (player_id NULL) every fill of the
-- round; both may ask for the round's phase changes. The secret is kept as given to the owner: the
-- server signs with it, so it cannot be stored hashed.
CREATE TABLE api_outbound_hooks (
  hook_id     text        PRIMARY KEY,                   -- "oh_" + 16 hex
  game_id     text        NOT NULL,
  player_id   text,                                      -- NULL = the admin's hook (every fill)
  url         text        NOT NULL,
  events      text[]      NOT NULL,                      -- subset of {fill, phase}
  secret      text        NOT NULL,                      -- "whsec_" + base64 of 32 random bytes
  -- The game's event seq up to which deliveries have been queued (the fan-out's cursor).
  cursor_seq  bigint      NOT NULL DEFAULT 0,
  created_by  text        NOT NULL CHECK (created_by IN ('player', 'admin')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX api_outbound_hooks_game ON api_outbound_hooks (game_id) WHERE revoked_at IS NULL;

-- One delivery per (hook, event, part): its id is the webhook-id header, the same on every retry.
CREATE TABLE api_outbound_deliveries (
  delivery_id  text        PRIMARY KEY,                  -- "msg_<hook>_<seq>_<part>"
  hook_id      text        NOT NULL REFERENCES api_outbound_hooks (hook_id),
  seq          bigint      NOT NULL,                     -- the game's event seq
  type         text        NOT NULL,                     -- fill | phase
  payload      jsonb       NOT NULL,
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts     integer     NOT NULL DEFAULT 0,
  next_at      timestamptz NOT NULL DEFAULT now(),       -- due time (also the lease of an attempt in flight)
  last_status  integer,                                  -- HTTP status of the last attempt, NULL = no answer
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX api_outbound_deliveries_due ON api_outbound_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX api_outbound_deliveries_hook ON api_outbound_deliveries (hook_id, seq);
