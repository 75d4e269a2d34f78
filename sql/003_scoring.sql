-- Scoring: fees of each fill and the FIFO P&L columns of the final standings (docs/export.md).
-- Written so that it also applies when another migration already added the fill fee columns.

-- Fees of a fill, minor units: what the taker paid (takerFee x qty) and the maker received (makerRebate x qty),
-- as the engine's fill event carries them (0 in logs written before fees).
ALTER TABLE fills ADD COLUMN IF NOT EXISTS taker_fee    bigint NOT NULL DEFAULT 0;
ALTER TABLE fills ADD COLUMN IF NOT EXISTS maker_rebate bigint NOT NULL DEFAULT 0;
-- Fills projected before this migration: take the fees from the stored events.
UPDATE fills f
   SET taker_fee = COALESCE((e.data->>'takerFee')::bigint, 0),
       maker_rebate = COALESCE((e.data->>'makerRebate')::bigint, 0)
  FROM events e
 WHERE e.game_id = f.game_id AND e.seq = f.seq AND e.type = 'fill'
   AND (e.data ? 'takerFee' OR e.data ? 'makerRebate');

-- Final standings: pnl = realized_pnl + unrealized_pnl - fees (FIFO lots; starting holdings bought at the
-- opening reference), all minor units; trades = fills the player took part in.
ALTER TABLE leaderboard ADD COLUMN IF NOT EXISTS realized_pnl   bigint NOT NULL DEFAULT 0;
ALTER TABLE leaderboard ADD COLUMN IF NOT EXISTS unrealized_pnl bigint NOT NULL DEFAULT 0;
ALTER TABLE leaderboard ADD COLUMN IF NOT EXISTS fees           bigint NOT NULL DEFAULT 0;
ALTER TABLE leaderboard ADD COLUMN IF NOT EXISTS trades         bigint NOT NULL DEFAULT 0;
