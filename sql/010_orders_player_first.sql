-- 010_orders_player_first: the index of a player's orders leads with player_id (docs/persistence.md,
-- "Stop 19"). Nothing a reader sees changes.

-- history.ts reads a player's orders with game_id = ? AND player_id = ? [AND security_id = ?]: both
-- column orders serve that with equalities only. Led by game_id, the index also matched the
-- persister's lookup of orders by primary key (game_id, security_id, order_id) on its first and third
-- columns; on a table without statistics the planner took it (it is smaller than the primary key)
-- and read every order of the game's security for each key looked up. Led by player_id, only the
-- primary key serves a lookup that names no player.
DROP INDEX IF EXISTS orders_player;
CREATE INDEX orders_player ON orders (player_id, game_id, security_id);
