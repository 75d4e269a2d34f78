/** The player screen's markup (client/src/player.ts fills it). */
import { HELP_HTML } from "./help.ts";
import { CFD_QUOTE_HTML, MARGIN_ACCOUNT_HTML, MARGIN_BANNER_HTML, MARGIN_STOPS_HTML } from "./margin-panel.ts";
import { STOP_FIELDS_HTML, STOP_TYPE_OPTIONS } from "./stop-ticket.ts";

export const TEMPLATE = `
<div class="player">
  <header class="topbar">
    <a class="brand" href="#/">marketroom</a>
    <span id="game-name" class="game-name"></span>
    <span id="phase"></span>
    <span id="clock" class="clock num"></span>
    <span class="spacer"></span>
    <span id="me" class="me"></span>
    <button type="button" id="help-open" class="ghost" aria-controls="help" aria-expanded="false">Help</button>
    <button type="button" id="leave" class="ghost">Leave</button>
  </header>
  <div id="conn" class="banner" role="status" hidden></div>
  <div id="lobby-note" class="banner note" hidden></div>
  ${MARGIN_BANNER_HTML}
  <div id="takeover" class="banner" role="status" hidden></div>
  <div id="news" class="ticker" aria-live="polite" hidden></div>
  <nav id="secs" class="tabs" aria-label="Securities"></nav>
  <main class="grid">
    <section class="card book"><h2 id="book-title">Order book</h2>${CFD_QUOTE_HTML}<div id="ladder"></div><h3>Depth</h3><div id="depth" class="chart depth"></div></section>
    <section class="card market"><div id="stats" class="stats"></div><div id="price-chart" class="chart price"></div><h2>Trades</h2><div id="tape" class="scroll"></div></section>
    <section class="card entry">
      <h2>New order <small id="entry-sec" class="muted"></small></h2>
      <div id="entry-rules" class="entry-rules small muted"></div>
      <form id="order-form" autocomplete="off">
        <div class="side-toggle" role="radiogroup" aria-label="Side">
          <label class="buy"><input type="radio" name="side" value="buy" checked> Buy <kbd>B</kbd></label>
          <label class="sell"><input type="radio" name="side" value="sell"> Sell <kbd>S</kbd></label>
        </div>
        <div class="row2">
          <label>Type <select name="type"><option value="limit">Limit</option><option value="market">Market</option>${STOP_TYPE_OPTIONS}</select></label>
          <label>Time in force <select name="tif"><option value="GTC">GTC</option><option value="IOC">IOC</option><option value="FOK">FOK</option></select></label>
        </div>
        <div class="row2">
          <label><span>Price <kbd>P</kbd></span><input name="price" inputmode="decimal" placeholder="e.g. 101.50"></label>
          <label><span>Quantity (lots) <kbd>Q</kbd></span><input name="qty" inputmode="numeric" value="1"></label>
        </div>
        <label class="check"><input type="checkbox" name="postOnly"> Post-only (never take)</label>
        ${STOP_FIELDS_HTML}
        <div id="estimate" class="estimate small" aria-live="polite"></div>
        <button type="submit" id="submit" class="buy" disabled>Buy</button>
      </form>
      <div id="order-msg" class="msg" role="alert" aria-live="polite"></div>
    </section>
    <section class="card account"><h2>Account</h2>${MARGIN_ACCOUNT_HTML}<div id="account"><p class="muted">Loading…</p></div><div id="pnl-help-box"></div><h3 class="cash-only">Positions</h3><div id="positions" class="cash-only"></div><h3>Private signals <small id="my-group" class="muted"></small></h3><div id="signals" class="scroll"></div></section>
    <section class="card orders"><h2>Open orders <button type="button" id="cancel-all" class="ghost small" disabled>Cancel all</button></h2><div id="orders"></div>${MARGIN_STOPS_HTML}<h2>My fills</h2><div id="fills" class="scroll"></div></section>
    <section class="card board-card"><h2>Leaderboard</h2><div id="leaderboard"></div></section>
    <section class="card api-keys-card" id="api-keys"></section>
  </main>
  <aside id="help" class="help card" role="dialog" aria-label="Help" hidden>${HELP_HTML}</aside>
  <div id="final" class="overlay" hidden></div>
</div>`;
