-- 001_init: the record of every game, projected from the engine's event streams by the persister
-- (server/src/persistence/persister.ts). Applied by server/src/persistence/migrate.ts inside one
-- transaction; schema_migrations is created by the runner itself.
--
-- Units as everywhere in marketroom: price in integer ticks, quantity in integer lots, cash in integer
-- minor units (cents), times in integer milliseconds since the epoch (the engine's `ts`). All are bigint;
-- every value stays below 2^53 so the server reads them as JS numbers.
--
-- `events` is the full log, written verbatim and exactly once per (game_id, seq). Every other table
-- below except inventories/leaderboard (written at round end) is derived from it, in sequence order,
-- and can be rebuilt from it.

-- The raw event log: one row per stream entry game:{<game_id>}:events / '<seq>-0'.
-- No foreign key to games: events may arrive out of order from several consumers, and the log must
-- accept them before the game row is derived.
CREATE TABLE events (
  game_id      text        NOT NULL,
  seq          bigint      NOT NULL CHECK (seq > 0),
  type         text        NOT NULL,
  ts           bigint      NOT NULL,              -- engine time of the command, ms
  data         jsonb       NOT NULL,              -- the event document as the engine logged it
  persisted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (game_id, seq)
);
CREATE INDEX events_game_type ON events (game_id, type, seq);

-- How far each game's derived tables have been built: every event with seq <= applied_seq, and none
-- after it, has been applied. Locked (FOR UPDATE) by the batch that advances it, so derived rows are
-- applied exactly once and strictly in sequence order even with several persisters.
CREATE TABLE event_projection (
  game_id     text        PRIMARY KEY,
  applied_seq bigint      NOT NULL DEFAULT 0,
  applied_ts  bigint      NOT NULL DEFAULT 0,     -- ts of the event at applied_seq, ms
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE games (
  id          text   PRIMARY KEY,
  name        text   NOT NULL,
  phase       text   NOT NULL DEFAULT 'lobby' CHECK (phase IN ('lobby', 'running', 'paused', 'ended')),
  -- Engine rules fixed at creation: { stp, maxMatches, allowShort, protectionBps }.
  config      jsonb  NOT NULL DEFAULT '{}'::jsonb,
  created_seq bigint,
  created_ts  bigint NOT NULL,                    -- ms
  started_ts  bigint,                             -- first move to 'running', ms
  ended_ts    bigint,                             -- move to 'ended', ms
  phase_seq   bigint,                             -- seq of the last phase change
  results_written_at timestamptz                  -- set by writeRoundResults
);

CREATE TABLE securities (
  game_id        text    NOT NULL REFERENCES games (id) ON DELETE CASCADE,
  security_id    integer NOT NULL CHECK (security_id > 0),
  symbol         text    NOT NULL,
  tick_size      text    NOT NULL,                -- display value of one tick, decimal text ("0.01")
  lot_size       bigint  NOT NULL,                -- shares per lot
  scale          bigint  NOT NULL,                -- cash minor units per (1 tick x 1 lot)
  band_low       bigint  NOT NULL,                -- accepted limit prices, ticks, inclusive
  band_high      bigint  NOT NULL,
  short_limit    bigint  NOT NULL DEFAULT 0,      -- lots
  position_limit bigint  NOT NULL DEFAULT 0,      -- lots, 0 = none
  max_order_qty  bigint  NOT NULL DEFAULT 0,      -- lots, 0 = none
  added_seq      bigint  NOT NULL,
  added_ts       bigint  NOT NULL,
  PRIMARY KEY (game_id, security_id)
);

CREATE TABLE players (
  game_id       text   NOT NULL REFERENCES games (id) ON DELETE CASCADE,
  player_id     text   NOT NULL,
  name          text   NOT NULL,
  starting_cash bigint NOT NULL,                  -- minor units; holdings: inventories kind 'start'
  added_seq     bigint NOT NULL,
  added_ts      bigint NOT NULL,
  PRIMARY KEY (game_id, player_id)
);

-- Holdings per player and security; security_id 0 is cash (minor units), others are lots.
-- kind 'start': the endowment (from player_added); kind 'final': at round end (writeRoundResults).
CREATE TABLE inventories (
  game_id     text    NOT NULL,
  player_id   text    NOT NULL,
  kind        text    NOT NULL CHECK (kind IN ('start', 'final')),
  security_id integer NOT NULL CHECK (security_id >= 0),
  qty         bigint  NOT NULL,                   -- lots, or minor units for cash
  locked      bigint  NOT NULL DEFAULT 0,         -- part of qty locked by open orders when recorded
  as_of_seq   bigint  NOT NULL,                   -- the event seq the numbers hold at
  PRIMARY KEY (game_id, player_id, kind, security_id),
  FOREIGN KEY (game_id, player_id) REFERENCES players (game_id, player_id) ON DELETE CASCADE
);

-- One row per order, kept current by the order and fill events. qty is the quantity accepted;
-- filled_qty + resting_qty + cancelled_qty = qty once the command that placed it has been applied
-- (an amendment that reduces quantity counts the reduction as cancelled).
CREATE TABLE orders (
  game_id         text    NOT NULL,
  security_id     integer NOT NULL,
  order_id        bigint  NOT NULL,
  player_id       text    NOT NULL,
  client_order_id text,
  side            text    NOT NULL CHECK (side IN ('buy', 'sell')),
  order_type      text    NOT NULL CHECK (order_type IN ('limit', 'market')),
  tif             text    NOT NULL CHECK (tif IN ('GTC', 'IOC', 'FOK')),
  post_only       boolean NOT NULL DEFAULT false,
  price           bigint  NOT NULL,               -- limit, ticks (market orders: the protection bound)
  qty             bigint  NOT NULL,               -- lots accepted
  filled_qty      bigint  NOT NULL DEFAULT 0,
  resting_qty     bigint  NOT NULL DEFAULT 0,     -- open in the book
  cancelled_qty   bigint  NOT NULL DEFAULT 0,
  notional        bigint  NOT NULL DEFAULT 0,     -- sum of fill price x qty x scale, minor units
  status          text    NOT NULL CHECK (status IN ('new', 'partially_filled', 'filled', 'cancelled', 'expired')),
  cancel_reason   text,                           -- shared CancelReason, when cancelled or expired
  accepted_seq    bigint  NOT NULL,
  accepted_ts     bigint  NOT NULL,
  updated_seq     bigint  NOT NULL,
  updated_ts      bigint  NOT NULL,
  PRIMARY KEY (game_id, security_id, order_id),
  FOREIGN KEY (game_id, security_id) REFERENCES securities (game_id, security_id) ON DELETE CASCADE,
  FOREIGN KEY (game_id, player_id) REFERENCES players (game_id, player_id) ON DELETE CASCADE
);
CREATE INDEX orders_player ON orders (game_id, player_id, security_id);
CREATE INDEX orders_open ON orders (game_id, security_id) WHERE resting_qty > 0;

-- One row per fill event; seq is the fill's own event seq.
CREATE TABLE fills (
  game_id         text    NOT NULL,
  seq             bigint  NOT NULL,
  security_id     integer NOT NULL,
  price           bigint  NOT NULL,               -- ticks (the resting order's price)
  qty             bigint  NOT NULL CHECK (qty > 0),
  notional        bigint  NOT NULL,               -- price x qty x scale, minor units
  aggressor       text    NOT NULL CHECK (aggressor IN ('buy', 'sell')),
  maker_order_id  bigint  NOT NULL,
  taker_order_id  bigint  NOT NULL,
  maker_player_id text    NOT NULL,
  taker_player_id text    NOT NULL,
  maker_remaining bigint  NOT NULL,               -- lots left on the maker after this fill
  taker_remaining bigint  NOT NULL,
  ts              bigint  NOT NULL,               -- ms
  PRIMARY KEY (game_id, seq),
  FOREIGN KEY (game_id, security_id) REFERENCES securities (game_id, security_id) ON DELETE CASCADE
);
CREATE INDEX fills_security ON fills (game_id, security_id, seq);
CREATE INDEX fills_maker ON fills (game_id, maker_player_id);
CREATE INDEX fills_taker ON fills (game_id, taker_player_id);

-- Final standings, written at round end (writeRoundResults), replaced when written again.
CREATE TABLE leaderboard (
  game_id        text    NOT NULL,
  player_id      text    NOT NULL,
  rank           integer NOT NULL CHECK (rank > 0),
  equity         bigint  NOT NULL,                -- cash + holdings at the valuation prices, minor units
  cash           bigint  NOT NULL,                -- minor units
  holdings_value bigint  NOT NULL DEFAULT 0,      -- minor units
  pnl            bigint  NOT NULL DEFAULT 0,      -- equity minus starting equity, minor units
  as_of_seq      bigint  NOT NULL,
  computed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (game_id, player_id),
  FOREIGN KEY (game_id, player_id) REFERENCES players (game_id, player_id) ON DELETE CASCADE
);
CREATE INDEX leaderboard_rank ON leaderboard (game_id, rank);
