/**
 * Market types and their defaults for first-time students: the instructions text and the comprehension
 * quiz a round shows when its rules do not set their own (shared/src/quiz.ts; docs/rounds.md
 * "Instructions and quiz"). One row per market type: a new market type (induced-value double auction,
 * asset market with dividends, call market, contingent claims) adds its row here and nothing else.
 *
 * Kept on the server: the rows hold the right answers, which reach only the admin
 * (GET /api/market-types) and never a player's browser.
 */
import type { RoundQuiz } from "@marketroom/shared";

/** The defaults of one market type. */
export interface MarketTypeDefaults {
  /** Name in the admin form. */
  label: string;
  /** One sentence for the admin form and docs. */
  description: string;
  /** Instructions (markdown subset of shared/src/quiz.ts). */
  instructions: string;
  /** The default quiz; `required` is false, so a round asks for it only when the teacher says so. */
  quiz: RoundQuiz;
}

/** The default market type: continuous double auction on reference price paths, with bots. */
export const DEFAULT_MARKET_TYPE = "continuous";

const CONTINUOUS_INSTRUCTIONS = `# How this round works

You trade one or more securities against the other players and a few computer traders (bots). Prices follow a real market's path, but every trade happens between the people and bots in this room.

# Your goal

End the round with more value than you started with. Your **P&L** (profit and loss) is your equity now minus your starting value: cash plus your lots valued at the **opening price** of each security. The leaderboard ranks players by P&L.

# Placing orders

- A **limit order** names a price: a buy trades at that price or lower, a sell at that price or higher. What does not trade at once waits in the order book until it trades, you cancel it, or the round ends.
- A **market order** trades at once at the best prices in the book. It never waits: what cannot trade at once is cancelled.
- Orders at the same price trade first come, first served. A trade happens at the price of the order that was waiting.

# Tips

- Click a price in the order book to copy it into the order form.
- Open **Help** at any time for the words used on the screen, and to read these instructions again.`;

const CONTINUOUS_QUIZ: RoundQuiz = {
  required: false,
  questions: [
    {
      question:
        "You send a limit order to buy 5 lots at 10.00. The lowest sell order in the book is at 10.50. What happens?",
      choices: [
        "It buys 5 lots at 10.50 at once",
        "It waits in the order book as a bid at 10.00 until someone sells at that price, or you cancel it",
        "It is rejected",
      ],
      answer: 1,
    },
    {
      question: "You send a market order to sell, but nobody in the book wants to buy. What happens?",
      choices: [
        "It waits in the book until a buyer comes",
        "It sells at the last trade price",
        "Nothing trades: the order is cancelled at once",
      ],
      answer: 2,
    },
    {
      question: "How is your P&L measured?",
      choices: [
        "Your cash at the end minus your cash at the start",
        "Your equity now (cash plus lots at today's price) minus your starting value at the opening prices",
        "The number of trades you made",
      ],
      answer: 1,
    },
  ],
};

const CALL_INSTRUCTIONS = `# How this round works

This is a **call market**. Orders do not trade when they arrive: they are collected in the order book, and at each **call** (every few seconds, as the teacher set) all orders that can trade, trade together at **one price**.

# The call price

At the call, the market picks the price at which the most lots can trade. If several prices are equally good, it picks the one that leaves the fewest unmatched lots, then the one closest to the reference price.

- Every buy order at that price or higher, and every sell order at that price or lower, can trade, all at the same price, even if your limit was better.
- Higher bids and lower offers go first; at the same price, the earlier order goes first. An order that trades in part keeps its place for the next call.

# Placing orders

- Only **limit orders** are accepted during a call period: name the highest price you will pay, or the lowest you will accept.
- Market orders are refused: there is nothing to trade against until the call.
- You can cancel or change your orders until the call.

# Your goal

End the round with more value than you started with. Your **P&L** is your equity now (cash plus your lots at the last price) minus your starting value.`;

const CALL_QUIZ: RoundQuiz = {
  required: false,
  questions: [
    {
      question: "You send a buy order for 5 lots at 10.50 and there are sell orders at 10.00. What happens right away?",
      choices: [
        "It trades at 10.00 at once",
        "Nothing yet: it waits in the book until the next call",
        "It is rejected",
      ],
      answer: 1,
    },
    {
      question: "At the call the price is 10.20. Your buy order had a limit of 10.50. What do you pay per lot?",
      choices: ["10.50, your limit", "10.20, the call price", "The average of the two"],
      answer: 1,
    },
    {
      question: "How is the call price chosen?",
      choices: [
        "The price at which the most lots can trade (then fewest left unmatched, then closest to the reference)",
        "The first order's price",
        "The average of all bids and offers",
      ],
      answer: 0,
    },
  ],
};

const DIVIDEND_INSTRUCTIONS = `# How this round works

You trade shares of one asset with the other players over several **periods**.

# Dividends

At the end of **each period**, every share pays a **dividend** in cash. The dividend is drawn at random, the same for every share, from a known list of amounts that are all equally likely (the default: 0.00, 0.08, 0.28 or 0.60 per share, 0.24 on average).

- After the **last period** the asset pays nothing more: it is then worth nothing.
- The **fundamental value** of a share is the average dividend times the number of dividends still to come. It falls period by period: with 15 periods it is 3.60 at the start, 0.24 in the last period.

# Placing orders

- A **limit order** names a price: a buy trades at that price or lower, a sell at that price or higher; what does not trade waits in the order book.
- Short selling is not allowed: you can only sell shares you hold.

# Your goal

Your earnings are your cash at the end: the money you started with, plus dividends, plus what you sold, minus what you bought.`;

const DIVIDEND_QUIZ: RoundQuiz = {
  required: false,
  questions: [
    {
      question:
        "There are 4 periods left, including this one, and the average dividend is 0.24. What is a share's fundamental value now?",
      choices: ["0.24", "0.96", "It depends on the last trade price"],
      answer: 1,
    },
    {
      question: "You hold 10 shares at the end of a period and the dividend drawn is 0.28. What do you receive?",
      choices: ["2.80 in cash", "Nothing until the round ends", "0.28 in total"],
      answer: 0,
    },
    {
      question: "What is a share worth after the last period's dividend?",
      choices: ["Its last trade price", "Nothing", "The average dividend"],
      answer: 1,
    },
  ],
};

const INDUCED_INSTRUCTIONS = `# How this round works

This is a **double auction with induced values**. Each player is a **buyer** or a **seller** for the whole round, and only you can see your own numbers.

- A **buyer** has a private **value** for each unit: the first unit bought is worth your first value, the second your second, and so on.
- A **seller** has a private **cost** for each unit: the first unit sold costs your first cost, and so on.

# Your earnings

- Buyer: for each unit you buy, you earn **your value minus the price** you paid.
- Seller: for each unit you sell, you earn **the price minus your cost**.
- Units beyond your list earn nothing; trading at a loss lowers your earnings.
- If the round has several **periods**, your list starts again in each period: the first unit you trade in a new period is worth your first value (or costs your first cost) again.

# Placing orders

- Buyers send bids (buy limit orders), sellers send offers (sell limit orders). A bid and an offer that cross trade at once, at the price of the order that was waiting.

# Your goal

Earn as much surplus as you can. The results show the supply and demand curves and how much of the possible gains from trade the class realised (market efficiency).`;

const INDUCED_QUIZ: RoundQuiz = {
  required: false,
  questions: [
    {
      question: "You are a buyer and your first unit's value is 1.20. You buy it at 1.00. What do you earn?",
      choices: ["0.20", "1.20", "-0.20"],
      answer: 0,
    },
    {
      question: "You are a seller and your first unit's cost is 0.80. You sell it at 0.70. What do you earn?",
      choices: ["0.10", "-0.10", "0.70"],
      answer: 1,
    },
    {
      question: "Who can see your values or costs?",
      choices: ["Everyone", "Only you (and the teacher)", "The other buyers"],
      answer: 1,
    },
  ],
};

const CONTINGENT_INSTRUCTIONS = `# How this round works

Each security is a **claim on one state** of the world (like a prediction market). When the round ends, exactly **one state** is drawn at random, with the chances the teacher set.

- A claim on the state that occurs pays the **payout** per lot in cash.
- Claims on the other states pay **nothing**.

# Prices and chances

If you think a state has a 30% chance, a claim on it is worth about 30% of the payout to you. Buy claims you find cheap, sell claims you find dear.

# Your private signal

When the round starts you get a **private signal** about the state, under "Private signals" on your screen. Only you see it; other players get their own, which may say something different. It either tells you a state that does **not** occur, or names a state and says how often such a signal is right. Use it, and watch the prices: they show what the others know.

# Placing orders

- A **limit order** names a price: a buy trades at that price or lower, a sell at that price or higher; what does not trade waits in the order book.

# Your goal

Your earnings are your cash at the end: what you started with, plus what you sold, minus what you bought, plus the payout of the claims you hold on the state that occurs.`;

const CONTINGENT_QUIZ: RoundQuiz = {
  required: false,
  questions: [
    {
      question: "You hold 5 claims on state A, the payout is 1.00, and state B is drawn. What do you receive?",
      choices: ["5.00", "Nothing", "1.00"],
      answer: 1,
    },
    {
      question: "You hold 5 claims on state A, the payout is 1.00, and state A is drawn. What do you receive?",
      choices: ["5.00", "Nothing", "1.00"],
      answer: 0,
    },
    {
      question: "When is the state revealed?",
      choices: ["At the start", "When the round ends", "After each trade"],
      answer: 1,
    },
  ],
};

/** Every market type, by its id. */
export const MARKET_TYPES: Readonly<Record<string, MarketTypeDefaults>> = {
  [DEFAULT_MARKET_TYPE]: {
    label: "Continuous double auction",
    description:
      "A limit order book per security, trading continuously on a reference price path (real market data) with bots.",
    instructions: CONTINUOUS_INSTRUCTIONS,
    quiz: CONTINUOUS_QUIZ,
  },
  call: {
    label: "Call market",
    description:
      "Orders collect and clear at one price at scheduled calls (maximum volume, then minimum imbalance, then closest to the reference); optionally continuous trading between calls (rules.call).",
    instructions: CALL_INSTRUCTIONS,
    quiz: CALL_QUIZ,
  },
  dividends: {
    label: "Asset market with dividends",
    description:
      "Smith-Suchanek-Williams (1988): one asset pays a random dividend per share at the end of each period (rules.dividends, default {0, 8, 28, 60} minor units, equally likely); the fundamental value falls to 0 after the last period.",
    instructions: DIVIDEND_INSTRUCTIONS,
    quiz: DIVIDEND_QUIZ,
  },
  induced: {
    label: "Double auction with induced values",
    description:
      "Smith (1962): players alternate as buyers with private values and sellers with private costs per unit (rules.induced, drawn from a seed); a player's score is the surplus; each period starts the schedules again; results show supply and demand, the equilibrium and market efficiency per period.",
    instructions: INDUCED_INSTRUCTIONS,
    quiz: INDUCED_QUIZ,
  },
  contingent: {
    label: "State-contingent claims",
    description:
      "Each security pays rules.contingent.payout per lot if its state is drawn at the end (weights, default equal), else nothing; settled like a dividend. Each player gets an automatic private signal about the state (rules.contingent.signals).",
    instructions: CONTINGENT_INSTRUCTIONS,
    quiz: CONTINGENT_QUIZ,
  },
};

/** The defaults of `marketType` (the default type when unknown or omitted). */
export function marketTypeDefaults(marketType: string = DEFAULT_MARKET_TYPE): MarketTypeDefaults {
  return MARKET_TYPES[marketType] ?? MARKET_TYPES[DEFAULT_MARKET_TYPE]!;
}
