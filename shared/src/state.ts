/**
 * The game room's synchronized state (Colyseus schema classes). The server writes it; clients decode it
 * with the same classes (or reflection).
 *
 * Public to everyone in the room: phase, clock, per security the aggregated book (top levels per side),
 * the last trades, last price and session high/low/volume, the leaderboard, and each player's name and
 * connection flag, the headlines (news) and which seats bots have taken over. Nothing private: a
 * player's cash, positions, open orders, own fills, signals, stops, margin calls and valuation go to
 * the player's own sessions (and admins) as "private" room messages (room-protocol.ts), so the state's
 * patch is encoded once for every client (no StateView).
 *
 * Units: prices in ticks, quantities in lots, cash in minor units, times in ms since the epoch. Every
 * number is an integer; money and sums use float64 (exact below 2^53), never int32.
 */
import { ArraySchema, MapSchema, Schema, type } from "@colyseus/schema";

/** Levels per side published for each book. */
export const BOOK_DEPTH = 20;
/** Public trades kept per security. */
export const TRADES_KEPT = 50;
/** Own fills kept per player. */
export const OWN_FILLS_KEPT = 50;

/** One aggregated price level: `amount` lots at `price`, `total` = cumulative lots from the best level. */
export class Level extends Schema {
  @type("uint32") price = 0;
  @type("float64") amount = 0;
  @type("float64") total = 0;
  @type("uint32") orders = 0;
}

/** A public trade. `aggressor` is the taker's side. */
export class Trade extends Schema {
  @type("float64") seq = 0;
  @type("uint32") price = 0;
  @type("float64") qty = 0;
  @type("string") aggressor = "buy";
  @type("float64") ts = 0;
}

/** A security: rules, book, trades and session statistics (0 = no trade yet). */
export class SecurityState extends Schema {
  @type("uint32") securityId = 0;
  @type("string") symbol = "";
  @type("string") tickSize = "0.01";
  @type("float64") lotSize = 1;
  @type("float64") scale = 1;
  @type("uint32") refPrice = 0;
  @type([Level]) bids = new ArraySchema<Level>();
  @type([Level]) asks = new ArraySchema<Level>();
  @type([Trade]) trades = new ArraySchema<Trade>();
  @type("uint32") lastPrice = 0;
  @type("uint32") high = 0;
  @type("uint32") low = 0;
  /** Lots traded this session. */
  @type("float64") volume = 0;
  /** Cash traded this session, minor units. */
  @type("float64") turnover = 0;
  @type("float64") tradeCount = 0;
  /** Trading rules (SecurityConfig): fee the taker pays and rebate the maker gets per lot filled, minor units. */
  @type("float64") takerFee = 0;
  @type("float64") makerRebate = 0;
  /** Largest order, largest absolute position and short allowance, lots (0 = none); weight in the gross/net limits. */
  @type("float64") maxOrderQty = 0;
  @type("float64") positionLimit = 0;
  @type("float64") shortLimit = 0;
  @type("float64") limitWeight = 1;
  /**
   * Margin rounds (docs/margin.md "Protocol"): "book" or "cfd"; initial and maintenance margin (basis
   * points of the notional at the mark; max leverage = 10000 / initialMarginBps); the core's reference
   * and mark (ticks, 0 = none); a CFD's half-spread and the house's quote bid/ask (ticks, 0 = none).
   */
  @type("string") kind = "book";
  @type("uint32") initialMarginBps = 10_000;
  @type("uint32") maintenanceMarginBps = 5_000;
  @type("uint32") reference = 0;
  @type("uint32") mark = 0;
  @type("uint32") halfSpread = 0;
  @type("uint32") quoteBid = 0;
  @type("uint32") quoteAsk = 0;
}

/**
 * The round's rules fixed at creation (GameRules): short selling, gross and net limits in weighted lots
 * (0 = none), the order rate limit (rateOrders per rateWindowMs; 0 = none) and the mark rule.
 */
export class RulesState extends Schema {
  @type("boolean") allowShort = false;
  @type("float64") grossLimit = 0;
  @type("float64") netLimit = 0;
  @type("uint32") rateOrders = 0;
  @type("uint32") rateWindowMs = 0;
  @type("string") markPrice = "last_trade";
  /** Scoring (GameRules.rankBy, .bots, .coursePoints; docs/rounds.md "Scoring"); pointsPer 0 = no course points. */
  @type("string") rankBy = "pnl";
  @type("string") bots = "apart";
  @type("float64") pointsBase = 0;
  @type("float64") pointsPer = 0;
  @type("float64") pointsMin = 0;
  @type("float64") pointsMax = 0;
  /** Risk mode ("cash" | "margin"), the core's mark rule, and the house insurance fund's cash now (minor units). */
  @type("string") mode = "cash";
  @type("string") markRule = "last_trade";
  @type("float64") fundCash = 0;
}

/** Margin calls kept per player (the newest). */
export const MARGIN_CALLS_KEPT = 10;

/** Stop triggers kept per player (the newest). */
export const STOP_TRIGGERS_KEPT = 10;

/** Headlines kept in the public state (the newest; the log has them all). */
export const NEWS_KEPT = 20;
/** Private signals kept per player. */
export const SIGNALS_KEPT = 20;

/** One reference shift of a headline: basis points applied to the security's reference from then on. */
export class NewsShift extends Schema {
  @type("uint32") securityId = 0;
  @type("int32") bps = 0;
}

/** A headline every player sees, in seq order. `atMs` = round running time when it was announced. */
export class NewsState extends Schema {
  @type("float64") seq = 0;
  @type("float64") ts = 0;
  @type("float64") atMs = 0;
  @type("string") headline = "";
  @type([NewsShift]) shifts = new ArraySchema<NewsShift>();
}

/** A player as everyone sees it; the private part is in "private" messages (room-protocol.ts PrivatePlayer). */
export class PlayerState extends Schema {
  @type("string") playerId = "";
  @type("string") name = "";
  @type("boolean") bot = false;
  @type("boolean") connected = false;
  /** Bot kind playing this seat while a bot has taken it over ("" = the player). */
  @type("string") takeover = "";
}

/** A leaderboard row, best equity first (money in minor units; see LeaderboardRow in messages.ts). */
export class LeaderEntry extends Schema {
  @type("uint16") rank = 0;
  @type("string") playerId = "";
  @type("string") name = "";
  @type("boolean") bot = false;
  /** False for a bot listed apart (rules.bots "apart"): rank is then its place below the ranked humans. */
  @type("boolean") ranked = true;
  @type("float64") equity = 0;
  @type("float64") pnl = 0;
  @type("float64") realizedPnl = 0;
  @type("float64") unrealizedPnl = 0;
  @type("float64") fees = 0;
  @type("float64") trades = 0;
  /** Return on starting value, basis points (rounded down); course points (0 when the round sets none). */
  @type("float64") returnBps = 0;
  @type("float64") points = 0;
}

/**
 * Round clock: times in ms since the epoch (0 = unset). `durationMs` is one trading period (the whole
 * round when it has one); `remainingMs` is the running time left in the current period, frozen while
 * paused; `endsAt` is when the current period ends (only while running). `period` = the period under
 * way, or the one just played during a break (1-based; 0 before the start); `periods` = how many
 * (0 = no scheduled end). `startsAt` = scheduled start while the lobby counts down; `breakEndsAt` =
 * end of the scheduled break under way (phase paused). See docs/api.md, "Schedule".
 */
export class Clock extends Schema {
  @type("float64") now = 0;
  @type("float64") startedAt = 0;
  @type("float64") endsAt = 0;
  @type("float64") remainingMs = 0;
  @type("float64") durationMs = 0;
  @type("uint16") period = 0;
  @type("uint16") periods = 0;
  @type("float64") startsAt = 0;
  @type("float64") breakEndsAt = 0;
}

/** The room's root state. `seq` is the last event applied: the state equals a replay of the log to it. */
export class GameState extends Schema {
  @type("string") gameId = "";
  @type("string") name = "";
  @type("string") phase = "lobby";
  @type("float64") seq = 0;
  @type(Clock) clock = new Clock();
  /** Keyed by security id. */
  @type({ map: SecurityState }) securities = new MapSchema<SecurityState>();
  /** Keyed by player id. */
  @type({ map: PlayerState }) players = new MapSchema<PlayerState>();
  @type([LeaderEntry]) leaderboard = new ArraySchema<LeaderEntry>();
  /** In a session: its id, this round's number (1-based) and the next round's game id ("" / 0 = none). */
  @type("string") sessionId = "";
  @type("uint16") round = 0;
  @type("string") nextGameId = "";
  /** Last NEWS_KEPT headlines, oldest first. */
  @type([NewsState]) news = new ArraySchema<NewsState>();
  /** The round's rules (set when the room loads the game). */
  @type(RulesState) rules = new RulesState();
}
