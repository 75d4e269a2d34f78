/**
 * What an order being replaced (amend: new price or larger qty) gives back before its replacement is
 * checked: its cash lock and open buy lots (a buy) or its locked lots (a sell). Zero for a new order.
 */
export interface Credit {
  cash: number;
  openBuy: number;
  holdLocked: number;
}

export const NO_CREDIT: Readonly<Credit> = Object.freeze({ cash: 0, openBuy: 0, holdLocked: 0 });
