-- 002_fees: taker fees and maker rebates, and the rules of the gross and net position limits
-- (docs/engine.md). Applied by server/src/persistence/migrate.ts inside one transaction, after 001.
-- Every new column has a default, so rows written before this migration stay valid and mean
-- "no fee, no rebate, weight 1" (as events logged before fees do).

-- Per fill: what the taker paid and the maker received for it, totals for the fill, minor units
-- (the fill event's takerFee and makerRebate = fee or rebate per lot x qty).
ALTER TABLE fills
  ADD COLUMN taker_fee    bigint NOT NULL DEFAULT 0 CHECK (taker_fee >= 0),
  ADD COLUMN maker_rebate bigint NOT NULL DEFAULT 0 CHECK (maker_rebate >= 0);

-- Per security: fee and rebate per lot filled (minor units, rebate <= fee), and its multiplier in
-- the game's gross and net position limits. The limits themselves are in games.config
-- ({ ..., grossLimit, netLimit }, weighted lots, 0 = none).
ALTER TABLE securities
  ADD COLUMN taker_fee    bigint  NOT NULL DEFAULT 0 CHECK (taker_fee >= 0),
  ADD COLUMN maker_rebate bigint  NOT NULL DEFAULT 0 CHECK (maker_rebate >= 0 AND maker_rebate <= taker_fee),
  ADD COLUMN limit_weight integer NOT NULL DEFAULT 1 CHECK (limit_weight >= 0);

-- Fees paid per player (leaderboards, exports).
CREATE INDEX fills_taker_fee ON fills (game_id, taker_player_id) WHERE taker_fee > 0;
