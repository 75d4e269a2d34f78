/**
 * Zod schemas of the game room's messages and replies and of the HTTP API's bodies, with the types
 * inferred from them. The server validates every incoming message and body with these schemas; the
 * client may use them to build requests. Units as everywhere: price in ticks, qty in lots, cash in minor
 * units, times in ms since the epoch (see units.ts).
 *
 * Room messages (client -> server): "place", "cancel", "cancel-all", "amend", and for stops and margin
 * rounds "place-stop", "cancel-stop", "set-exits" (docs/margin.md "Protocol"). Each may carry `ref`, a
 * client-chosen string echoed in the reply. Sent with `room.request(type, body)`, the reply is the
 * request's response; sent with `room.send(type, body)`, the reply arrives as a "reply" message.
 * A reply is `{ ok: true, ... }` (CommandAck) or `{ ok: false, code, message }` (CommandError); an error
 * changes nothing and the connection stays open.
 */
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "./errors.ts";
import { text } from "./text.ts";
import { InstructionsText, RoundQuiz } from "./quiz.ts";
import { ContingentRules, InducedRules } from "./markets.ts";
import {
  AmendOrder,
  CancelAll,
  CancelOrder,
  GameId,
  GameName,
  SignalText,
  MAX_FEE_PER_LOT,
  MAX_PRICE_TICKS,
  MAX_QTY_LOTS,
  NewsItem,
  OrderId,
  PlaceOrder,
  PlaceStop,
  PlayerId,
  SecurityConfig,
  SecurityId,
  StpMode,
  StopTrigger,
  MarkPriceRule,
  RiskModeName,
  SecurityKind,
  type FillEvent,
  type OrderSummary,
} from "./engine.ts";

const int = (min: number, max: number) => z.number().int().min(min).max(max);
/** A command's `ref`, echoed in the reply: one line, 1-64 characters (text.ts rules). */
const Ref = text({ max: 64 }).optional();

// ---- room messages ----

/** Names of the room's command messages. */
export const ROOM_COMMANDS = [
  "place",
  "cancel",
  "cancel-all",
  "amend",
  "place-stop",
  "cancel-stop",
  "set-exits",
] as const;
export type RoomCommand = (typeof ROOM_COMMANDS)[number];
/** Name of the message that carries replies to commands sent with `room.send()`. */
export const REPLY_MESSAGE = "reply";

export const PlaceMessage = PlaceOrder.extend({ ref: Ref });
export const CancelMessage = CancelOrder.extend({ ref: Ref });
export const CancelAllMessage = CancelAll.extend({ ref: Ref });
export const AmendMessage = AmendOrder.extend({ ref: Ref });
export type PlaceMessage = z.input<typeof PlaceMessage>;
export type CancelMessage = z.input<typeof CancelMessage>;
export type CancelAllMessage = z.input<typeof CancelAllMessage>;
export type AmendMessage = z.input<typeof AmendMessage>;
/**
 * A stop-market or stop-limit order (`type` "market" | "limit" with `price`), triggering when the last
 * trade (`trigger` "last", default) or the mark ("mark") reaches `stopPrice`: a buy at or above, a sell
 * at or below (`kind` "stop"), or the other way round (`kind` "take_profit"). `oco` = a second leg; the
 * first to trigger cancels the other (one-cancels-other). Brackets are "place" with `bracket`.
 */
export const PlaceStopMessage = PlaceStop.extend({ ref: Ref });
export type PlaceStopMessage = z.input<typeof PlaceStopMessage>;
/** Cancels one waiting stop of the player (its OCO partner stays). */
export const CancelStopMessage = z.object({ securityId: SecurityId, stopId: OrderId, ref: Ref });
export type CancelStopMessage = z.input<typeof CancelStopMessage>;
/**
 * Stop-loss and/or take-profit on the player's open position in `securityId` (docs/margin.md "Protocol"):
 * cancels the player's waiting stops in that security on the closing side, then places a market stop
 * for the whole position at `stopLoss` (kind "stop") and/or at `takeProfit` (kind "take_profit"), as a
 * one-cancels-other pair when both are given; neither = only remove them. INSUFFICIENT_HOLDINGS when
 * the player has no position there (nothing changed).
 */
export const SetExitsMessage = z.object({
  securityId: SecurityId,
  stopLoss: int(1, MAX_PRICE_TICKS).optional(),
  takeProfit: int(1, MAX_PRICE_TICKS).optional(),
  trigger: StopTrigger.default("last"),
  ref: Ref,
});
export type SetExitsMessage = z.input<typeof SetExitsMessage>;

/** Schema of each room command's body. */
export const RoomMessageSchemas = {
  place: PlaceMessage,
  cancel: CancelMessage,
  "cancel-all": CancelAllMessage,
  amend: AmendMessage,
  "place-stop": PlaceStopMessage,
  "cancel-stop": CancelStopMessage,
  "set-exits": SetExitsMessage,
} as const;

/**
 * Error codes beyond the engine's (errors.ts): room and HTTP failures. Stable, like the engine's.
 * INVALID_MESSAGE: a room message failed its schema; UNKNOWN_MESSAGE: no such message type;
 * READ_ONLY: an admin or observer session sent a command; INVALID_BODY / INVALID_QUERY: an HTTP body or
 * query failed its schema; UNAUTHORIZED: missing or bad token; FORBIDDEN: a valid token that may not do
 * this; NOT_FOUND: no such route or resource; UNKNOWN_JOIN_CODE; UNKNOWN_BOT; UNKNOWN_SCENARIO;
 * UNAVAILABLE: a dependency is down; INTERNAL_ERROR: a bug (logged on the server); RATE_LIMITED: a player
 * sent more orders than the round's orderRateLimit allows (nothing changed; retry after `retryAfterMs`);
 * (or more joins from one address than the server allows; HTTP 429 with Retry-After);
 * UNKNOWN_SESSION: no such session; SESSION_EXISTS: a session with this id exists; GAME_FULL: the round
 * has its maxPlayers players already (nothing changed); FENCED: another server process has taken the game
 * over (this one may no longer write it; nothing changed; reconnect to reach the new owner); QUIZ_REQUIRED:
 * the round requires its comprehension quiz and this player has not passed it yet (nothing changed;
 * POST /api/games/:id/quiz); CHANNEL_NOT_ALLOWED: the round's rules.trading does not let this channel (browser
 * or API) enter orders (nothing changed).
 */
export const API_ERROR_CODES = [
  "INVALID_MESSAGE",
  "UNKNOWN_MESSAGE",
  "READ_ONLY",
  "INVALID_BODY",
  "INVALID_QUERY",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "UNKNOWN_JOIN_CODE",
  "UNKNOWN_BOT",
  "UNKNOWN_SCENARIO",
  "UNAVAILABLE",
  "INTERNAL_ERROR",
  "RATE_LIMITED",
  "UNKNOWN_SESSION",
  "SESSION_EXISTS",
  "GAME_FULL",
  "FENCED",
  "QUIZ_REQUIRED",
  "CHANNEL_NOT_ALLOWED",
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
/** Every code a room reply or an HTTP error may carry. */
export type AnyErrorCode = ErrorCode | ApiErrorCode;
export const ALL_ERROR_CODES: readonly AnyErrorCode[] = [...ERROR_CODES, ...API_ERROR_CODES];

const HTTP_STATUS: Partial<Record<AnyErrorCode, number>> = {
  INVALID_BODY: 400,
  INVALID_QUERY: 400,
  INVALID_MESSAGE: 400,
  UNKNOWN_MESSAGE: 400,
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  QUIZ_REQUIRED: 403,
  CHANNEL_NOT_ALLOWED: 403,
  READ_ONLY: 403,
  NOT_OWNER: 403,
  NOT_FOUND: 404,
  UNKNOWN_GAME: 404,
  UNKNOWN_JOIN_CODE: 404,
  UNKNOWN_PLAYER: 404,
  UNKNOWN_SECURITY: 404,
  UNKNOWN_ORDER: 404,
  UNKNOWN_BOT: 404,
  UNKNOWN_SCENARIO: 400,
  UNKNOWN_SESSION: 404,
  SESSION_EXISTS: 409,
  GAME_EXISTS: 409,
  SECURITY_EXISTS: 409,
  PLAYER_EXISTS: 409,
  INVALID_PHASE_TRANSITION: 409,
  MARKET_CLOSED: 409,
  GAME_FULL: 409,
  INTERNAL_ERROR: 500,
  UNAVAILABLE: 503,
  FENCED: 503,
  RATE_LIMITED: 429,
};

/** HTTP status of an error code: the table above; other engine rule rejections are 422. */
export function httpStatusOf(code: AnyErrorCode): number {
  return HTTP_STATUS[code] ?? 422;
}

/** A successful command: `seq` is the last event sequence number the command logged (0 if none). */
export interface CommandAck {
  ok: true;
  type: RoomCommand;
  ref?: string;
  seq: number;
  /** place, and amend when it replaced the order: what became of the (new) order. */
  order?: OrderSummary;
  /** place / amend: the fills of this command, in order. */
  fills?: FillEvent[];
  /** place: true when a retry with the same clientOrderId returned the first result. */
  duplicate?: boolean;
  /** cancel: the order taken off the book. */
  cancelled?: { orderId: number; securityId: number; side: "buy" | "sell"; price: number; qty: number };
  /** cancel-all: the orders cancelled; `truncated` when more remain (send it again). */
  cancelledOrderIds?: { securityId: number; orderId: number }[];
  truncated?: boolean;
  /** amend: the order id amended, its new open qty and whether it kept its time priority. */
  amended?: { orderId: number; qty: number; priorityKept: boolean };
  /** place-stop / set-exits: the stop ids placed (two for an OCO pair); cancel-stop: the one cancelled. */
  stopIds?: number[];
  /** set-exits: the stop ids it cancelled first. */
  cancelledStopIds?: number[];
}

/** A rejected or malformed command: nothing changed. */
export interface CommandError {
  ok: false;
  type: string;
  ref?: string;
  code: AnyErrorCode;
  message: string;
  /** INVALID_MESSAGE: the schema issues (path and message). */
  issues?: { path: string; message: string }[];
  /** RATE_LIMITED: ms until the player's order rate window frees up. */
  retryAfterMs?: number;
}

export type CommandReply = CommandAck | CommandError;

// ---- HTTP bodies ----

/** Default order rate limit of a round: 50 order entries per player per second (docs/rounds.md). */
export const DEFAULT_ORDER_RATE_LIMIT = { orders: 50, windowMs: 1000 } as const;
/** Default player cap of a round (docs/rounds.md). */
export const DEFAULT_MAX_PLAYERS = 500;

/**
 * The rules of a new round: the engine's GameConfig (without the name) plus the rules the game service
 * applies (scoring mark, order rate limit, bot takeover).
 */
/** The market types a teacher picks (docs/markets.md; defaults in server/src/rounds/market-types.ts). */
export const MarketType = z.enum(["continuous", "call", "dividends", "induced", "contingent"]);
export type MarketType = z.infer<typeof MarketType>;

/** A call market's timing (GameRules.call), seconds of round running time. */
export const CallRules = z.object({
  everySec: int(1, 3600).default(30),
  continuousSec: int(0, 3600).default(0),
});
export type CallRules = z.output<typeof CallRules>;

/**
 * Asset market with dividends (GameRules.dividends, docs/markets.md): at the end of each period every
 * lot pays one of `values` (minor units per lot), each equally likely, drawn from `seed` (default:
 * the game id), the same draw in every process. Default: Smith, Suchanek & Williams (1988) {0, 8, 28, 60}.
 */
export const DividendRules = z.object({
  values: z.array(int(0, 1_000_000_000)).min(1).max(20).default([0, 8, 28, 60]),
  seed: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
export type DividendRules = z.output<typeof DividendRules>;

/**
 * Which channel may enter orders (place, amend) in a round: the browser (the room), programs (the
 * /api/v1 REST API with a key, and inbound webhooks), or both. An order from the other channel is
 * CHANNEL_NOT_ALLOWED and changes nothing; cancels are always allowed, so a player can pull orders.
 */
export const TradingChannelRule = z.enum(["both", "browser", "api"]);
export type TradingChannelRule = z.infer<typeof TradingChannelRule>;

export const GameRules = z.object({
  stp: StpMode.default("cancel_incoming"),
  maxMatches: int(1, 100_000).default(1000),
  allowShort: z.boolean().default(false),
  protectionBps: int(1, 10_000).default(500),
  /** Gross position limit in weighted lots (see GameConfig); 0 = none. */
  grossLimit: int(0, MAX_QTY_LOTS).default(0),
  /** Net position limit in weighted lots (see GameConfig); 0 = none. */
  netLimit: int(0, MAX_QTY_LOTS).default(0),
  /**
   * Mark of each security at the end: its last trade (else the closing reference), or the closing reference.
   * A margin round has one mark rule (markRule, docs/margin.md "One mark"): its markPrice is stored equal
   * to it ("mid" only there); a markPrice other than last_trade that contradicts markRule is INVALID_BODY.
   */
  markPrice: MarkPriceRule.default("last_trade"),
  /**
   * At most `orders` order entries (place, amend, cancel; cancel-all never counts) per player in any `windowMs`, over
   * every connection and the REST API together; null = unlimited (an
   * organiser's explicit choice). Default DEFAULT_ORDER_RATE_LIMIT (docs/rounds.md).
   */
  orderRateLimit: z
    .object({ orders: int(1, 100_000), windowMs: int(100, 3_600_000) })
    .nullable()
    .default(() => ({ ...DEFAULT_ORDER_RATE_LIMIT })),
  /** At most this many players join the round by its join code; one more gets GAME_FULL. Bots do not count. */
  maxPlayers: int(1, 10_000).default(DEFAULT_MAX_PLAYERS),
  /** Bots may take over a player's seat (the admin hands it over, or when the player leaves). */
  botTakeover: z.boolean().default(false),
  /** Risk rules (docs/margin.md): paid up front ("cash", absent) or leveraged ("margin"). */
  mode: RiskModeName.optional(),
  /** Margin mode: the round's one mark rule (docs/margin.md "One mark"); absent = markPrice, else last_trade. */
  markRule: MarkPriceRule.optional(),
  /** Margin mode: the house insurance fund's starting cash, minor units; absent = 0. */
  insuranceFund: int(0, 1e15).optional(),
  /** Who may enter orders (TradingChannelRule; docs/algo-trading.md "Who may trade"). */
  trading: TradingChannelRule.default("both"),
  /** Leaderboard order: P&L, or return on starting value in basis points (docs/rounds.md "Scoring"). */
  rankBy: z.enum(["pnl", "return"]).default("pnl"),
  /** Bots on the leaderboard: listed after the humans unranked, left out of the players' board, or ranked with them. */
  bots: z.enum(["apart", "hidden", "ranked"]).default("apart"),
  /**
   * Course points shown to players: clamp(base + floor(pnl / per), min, max), pnl in minor units (per = the
   * P&L worth one point); null = none.
   */
  coursePoints: z
    .object({
      base: int(-1_000_000, 1_000_000).default(0),
      per: int(1, 1e15),
      min: int(-1_000_000, 1_000_000),
      max: int(-1_000_000, 1_000_000),
    })
    .refine((c) => c.min <= c.max, { message: "coursePoints.min must not exceed coursePoints.max" })
    .nullable()
    .default(null),
  /** The market type (docs/markets.md): its rules, default instructions and quiz; omitted = continuous. */
  marketType: MarketType.optional(),
  /**
   * Call market (marketType "call", docs/markets.md): a call every `everySec` seconds of running time;
   * with `continuousSec` > 0 each call opens `continuousSec` seconds of continuous trading before the
   * next call period.
   */
  call: CallRules.optional(),
  /** Asset market with dividends (marketType "dividends"): the dividend distribution. */
  dividends: DividendRules.optional(),
  /** Double auction with induced values and costs (marketType "induced", shared/src/markets.ts). */
  induced: InducedRules.optional(),
  /** State-contingent claims (marketType "contingent", shared/src/markets.ts). */
  contingent: ContingentRules.optional(),
  /** Instructions shown before trading (quiz.ts); omitted = the market type's default text. */
  instructions: InstructionsText.optional(),
  /** Comprehension quiz (quiz.ts); omitted = the market type's default quiz (not required); null = none. */
  quiz: RoundQuiz.nullable().optional(),
});

/** The market-type part of GameRules: what the admin form's "Market type" fieldset sends (client/src/market-type-form.ts). */
export const MarketTypeRules = GameRules.pick({
  marketType: true,
  call: true,
  dividends: true,
  induced: true,
  contingent: true,
});

/** A security of a new game: the engine's SecurityConfig plus a reference price used before trades. */
export const GameSecurity = SecurityConfig.extend({
  /** Valuation price (ticks) before the first trade; 0 = value holdings at 0 until then. */
  refPrice: int(0, MAX_PRICE_TICKS).default(0),
});
export type GameSecurity = z.input<typeof GameSecurity>;

/**
 * Rule fields applied to every security of a new game (CreateGameBody.securityRules): each field given
 * here replaces that field of every security, the body's or the scenario's (a scenario's securities
 * have no rules of their own). Units as SecurityConfig: lots, minor units per lot, weight multiplier.
 * makerRebate must not exceed takerFee (checked on the resulting securities: INVALID_BODY).
 */
export const SecurityRules = z
  .object({
    shortLimit: int(0, MAX_QTY_LOTS).optional(),
    positionLimit: int(0, MAX_QTY_LOTS).optional(),
    maxOrderQty: int(0, MAX_QTY_LOTS).optional(),
    takerFee: int(0, MAX_FEE_PER_LOT).optional(),
    makerRebate: int(0, MAX_FEE_PER_LOT).optional(),
    limitWeight: int(0, 1000).optional(),
    /** Margin mode (docs/margin.md "Settings"): initial and maintenance margin, basis points. */
    initialMarginBps: int(100, 10_000).optional(),
    maintenanceMarginBps: int(1, 10_000).optional(),
    /** Margin mode: the largest leverage (1..100); sets initialMarginBps = ceil(10000 / maxLeverage). */
    maxLeverage: int(1, 100).optional(),
    /** "book" or "cfd" for every security, and the CFD quote's half-spread in ticks. */
    kind: SecurityKind.optional(),
    halfSpread: int(0, 1_000_000).optional(),
  })
  .strict();
export type SecurityRules = z.input<typeof SecurityRules>;

/** What every player gets on joining. */
export const Endowment = z.object({
  cash: int(0, 1e15),
  holdings: z
    .array(z.object({ securityId: SecurityId, qty: int(0, MAX_QTY_LOTS) }))
    .max(100)
    .default([]),
});
export type Endowment = z.input<typeof Endowment>;

/** A bot to run in a game; `kind` and `params` are interpreted by the market module's bot runner. */
export const BotSpec = z.object({
  kind: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
  /** How many bots of this kind (each its own player). */
  count: int(1, 200).default(1),
  /** Securities it trades; all when omitted. */
  securityIds: z.array(SecurityId).max(100).optional(),
  /** Display name prefix; a number is appended. */
  name: text({ max: 40, maxBytes: 48, trim: true }).optional(),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type BotSpec = z.input<typeof BotSpec>;

/**
 * When a round runs (see docs/api.md, "Schedule"): `startAt` = the round starts itself then (epoch ms;
 * the lobby counts down, a time already past starts it at once); `periods` = `count` trading periods
 * of `durationSec` each with a break of `breakSec` between two periods (the paused phase); the round
 * ends after the last period.
 */
export const RoundSchedule = z.object({
  startAt: z.number().int().min(0).max(8.64e15).optional(),
  periods: z
    .object({
      count: int(1, 100),
      durationSec: int(1, 7 * 24 * 3600),
      breakSec: int(0, 24 * 3600).default(0),
    })
    .optional(),
});
export type RoundSchedule = z.input<typeof RoundSchedule>;
// ---- market drivers: news, private signals, bot takeover (docs/market.md) ----

/** Name of a player group (private signals go to a group). */
export const GroupName = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "letters, digits, _ or -, at most 32");

/** A headline scheduled at `atSec` of round running time (pauses stop that clock); shifts as NewsItem. */
export const ScheduledNews = NewsItem.extend({ atSec: int(0, 7 * 24 * 3600) });
export type ScheduledNews = z.input<typeof ScheduledNews>;

/** POST /api/games/:id/signals (and the scheduled form): private text for every player of `group`. */
export const SignalBody = z.object({
  group: GroupName,
  text: SignalText,
  /** The security the signal is about (optional). */
  securityId: SecurityId.optional(),
  /** A value in ticks, e.g. the security's final value (optional). */
  value: int(0, MAX_PRICE_TICKS).optional(),
});
export type SignalBody = z.input<typeof SignalBody>;

/** A private signal scheduled at `atSec` of round running time. */
export const ScheduledSignal = SignalBody.extend({ atSec: int(0, 7 * 24 * 3600) });
export type ScheduledSignal = z.input<typeof ScheduledSignal>;

/** POST /api/games/:id/news: a headline now. */
export const NewsBody = NewsItem;
export type NewsBody = z.input<typeof NewsBody>;

/** PUT /api/games/:id/players/:pid/group. */
export const GroupBody = z.object({ group: GroupName });
/** POST /api/games/:id/players/:pid/takeover: the kind of bot that takes the seat. */
export const TakeoverBody = z.object({ kind: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/) });
/** Path parameters :id and :pid. */
export const PlayerIdParam = z.object({ id: GameId, pid: PlayerId });

/** POST /api/games. */
export const CreateGameBody = z
  .object({
    /** Optional id (letters, digits, _ or -); generated when omitted. */
    gameId: GameId.optional(),
    name: GameName,
    rules: GameRules.prefault({}),
    /** Securities; may be omitted when a scenario gives them. */
    securities: z.array(GameSecurity).max(50).default([]),
    /** Rules for every security (see SecurityRules); overrides the same fields of each security. */
    securityRules: SecurityRules.optional(),
    endowment: Endowment,
    /** Name of a market scenario (reference price paths); see the market module. */
    scenario: text({ max: 64 }).optional(),
    bots: z.array(BotSpec).max(20).default([]),
    /** Round length in seconds; the round ends by itself this long after start (pauses stop the clock). */
    durationSec: int(1, 7 * 24 * 3600).optional(),
    /** Observers (no token) may watch the room. */
    allowObservers: z.boolean().default(true),
    /** Scheduled start and trading periods; durationSec alone = one period. */
    schedule: RoundSchedule.optional(),
    /** Headlines to announce at given running times (each may shift reference prices). */
    news: z.array(ScheduledNews).max(500).optional(),
    /** Player groups; joining players are assigned round-robin in join order. */
    groups: z.array(GroupName).max(50).optional(),
    /** Private signals to a group at given running times. */
    signals: z.array(ScheduledSignal).max(500).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.durationSec !== undefined && body.schedule?.periods) {
      ctx.addIssue({
        code: "custom",
        path: ["durationSec"],
        message: "give durationSec or schedule.periods, not both",
      });
    }
    const groups = new Set(body.groups ?? []);
    if (groups.size !== (body.groups ?? []).length)
      ctx.addIssue({ code: "custom", path: ["groups"], message: "duplicate group" });
    body.signals?.forEach((s, i) => {
      if (!groups.has(s.group))
        ctx.addIssue({ code: "custom", path: ["signals", i, "group"], message: "not one of the game's groups" });
    });
    // a CFD (no book, the house's quote; docs/margin.md "CFD securities") needs margin mode
    const cfd = body.securityRules?.kind === "cfd" || body.securities.some((s) => s.kind === "cfd");
    if (cfd && body.rules?.mode !== "margin")
      ctx.addIssue({ code: "custom", path: ["securities"], message: "a CFD security needs margin mode (rules.mode)" });
    if (body.securities.length === 0 && !body.scenario)
      ctx.addIssue({ code: "custom", path: ["securities"], message: "give securities or a scenario" });
    const ids = new Set<number>();
    body.securities.forEach((s, i) => {
      if (ids.has(s.securityId))
        ctx.addIssue({ code: "custom", path: ["securities", i, "securityId"], message: "duplicate securityId" });
      ids.add(s.securityId);
    });
    if (body.securities.length)
      body.endowment.holdings?.forEach((h, i) => {
        if (!ids.has(h.securityId))
          ctx.addIssue({
            code: "custom",
            path: ["endowment", "holdings", i, "securityId"],
            message: "not a security of this game",
          });
      });
    if (body.securities.length) {
      body.news?.forEach((n, i) =>
        n.shifts?.forEach((sh, k) => {
          if (!ids.has(sh.securityId))
            ctx.addIssue({
              code: "custom",
              path: ["news", i, "shifts", k, "securityId"],
              message: "not a security of this game",
            });
        }),
      );
      body.signals?.forEach((s, i) => {
        if (s.securityId !== undefined && !ids.has(s.securityId))
          ctx.addIssue({ code: "custom", path: ["signals", i, "securityId"], message: "not a security of this game" });
      });
    }
  });
export type CreateGameBody = z.input<typeof CreateGameBody>;

/** POST /api/games/:id/start (body optional): `countdownSec` > 0 starts the round that many seconds from now. */
export const StartBody = z.object({ countdownSec: int(0, 24 * 3600).default(0) });
export type StartBody = z.input<typeof StartBody>;

/** POST /api/sessions: a session of several rounds with one join code. */
export const CreateSessionBody = z.object({
  /** Optional id (letters, digits, _ or -); generated ("s-<hex>") when omitted. */
  sessionId: GameId.optional(),
  name: GameName,
});
export type CreateSessionBody = z.input<typeof CreateSessionBody>;

/** Path parameter :id of the session routes. */
export const SessionIdParam = z.object({ id: GameId });

/** POST /api/join. */
export const JoinBody = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{4,16}$/, "4-16 letters or digits")
    .transform((c) => c.toUpperCase()),
  /** Display name: one line, 1-32 characters (at most 64 UTF-8 bytes) after trimming, NFC (text.ts rules). */
  name: text({ max: 32, maxBytes: 64, trim: true }),
});
export type JoinBody = z.input<typeof JoinBody>;

/** POST /api/games/:id/bots. */
export const AddBotsBody = BotSpec;
export type AddBotsBody = z.input<typeof AddBotsBody>;

/** PUT /api/games/:id/securities/:sid/reference (admin): the security's reference price from now on, ticks. */
export const ReferenceBody = z.object({ price: int(1, MAX_PRICE_TICKS) });
export type ReferenceBody = z.input<typeof ReferenceBody>;
/** Path parameters :id and :sid (a security id). */
export const SecurityIdParam = z.object({ id: GameId, sid: z.coerce.number().pipe(SecurityId) });

/** Path parameter :id of the game routes. */
export const GameIdParam = z.object({ id: GameId });
/** Path parameter :botId. */
export const BotIdParam = z.object({ id: GameId, botId: PlayerId });

/**
 * Reply of POST /api/join: use `token` as the room's auth token (Bearer) with `{ gameId }` as options.
 * In a session (joined by the session's code or a round's code) it also carries `sessionId` and
 * `sessionToken` (the player's identity in the session, for GET /api/sessions/:id/current); when the
 * session has no open round yet, gameId and token are "" and phase is "none".
 */
export interface JoinReply {
  gameId: string;
  playerId: string;
  name: string;
  token: string;
  phase: string;
  sessionId?: string;
  sessionToken?: string;
}

/** Reply of GET /api/sessions/:id/current: the session's latest round and a token for it (null: none yet). */
export interface CurrentRound {
  sessionId: string;
  playerId: string;
  round: number;
  gameId: string | null;
  token: string | null;
  phase: string | null;
}

/** A session as the admin API shows it: its rounds in order (round 1 first) and its players. */
export interface SessionInfo {
  sessionId: string;
  name: string;
  joinCode: string;
  createdAt: number;
  rounds: { round: number; gameId: string; name: string; phase: string }[];
  players: { playerId: string; name: string; joinedAt: number }[];
}

/**
 * GET /api/sessions/:id/results: each round's leaderboard (final for ended rounds, live otherwise) and
 * the overall standing of the session's players: pnl = sum of their round pnl (minor units), ranked by
 * pnl, highest first, ties by player id (code units). Bots are per round and not in the overall.
 */
export interface SessionResults {
  sessionId: string;
  name: string;
  rounds: { round: number; gameId: string; name: string; phase: string; leaderboard: LeaderboardRow[] }[];
  overall: { rank: number; playerId: string; name: string; pnl: number; rounds: number; roundPnl: (number | null)[] }[];
}

/** Room join options: `gameId` names the room; `observer: true` joins read-only without a token. */
export const RoomJoinOptions = z.object({ gameId: GameId, observer: z.boolean().optional() });
export type RoomJoinOptions = z.input<typeof RoomJoinOptions>;

/** A game as the admin API lists it. Times in ms since the epoch (0 = not yet). */
export interface GameSummary {
  gameId: string;
  name: string;
  phase: string;
  joinCode: string;
  createdAt: number;
  startedAt: number;
  endsAt: number;
  remainingMs: number;
  durationSec: number | null;
  players: number;
  bots: number;
  scenario: string | null;
  seq: number;
}

/**
 * One row of a leaderboard, all money in minor units. equity = cash + holdings at the mark;
 * pnl = equity - starting equity (starting cash + starting holdings at the round's opening reference
 * prices) = realizedPnl + unrealizedPnl - fees. realizedPnl and unrealizedPnl use FIFO lots (starting
 * holdings are lots bought at the opening reference); fees = taker fees paid - maker rebates received;
 * trades = fills the player took part in. Rank: server/src/scoring/ranking.ts (P&L or return; bots apart).
 */
export interface LeaderboardRow {
  rank: number;
  playerId: string;
  name: string;
  bot: boolean;
  equity: number;
  cash: number;
  holdingsValue: number;
  pnl: number;
  realizedPnl: number;
  unrealizedPnl: number;
  fees: number;
  trades: number;
  /** Starting cash + starting holdings at the opening references, minor units; return on it in basis points (rounded down). */
  startValue: number;
  returnBps: number;
  /** Course points of the P&L when the round sets rules.coursePoints (students only), else null. */
  points: number | null;
  /** False for a bot under rules.bots "apart"/"hidden": listed after the humans (rank = its place), not ranked. */
  ranked: boolean;
}

/** Issues of a failed zod parse, as `{ path, message }` (path joined with dots). */
export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
