/** @marketroom/shared: schemas, types and unit helpers shared by server and client. */
export * from "./errors.ts";
export * from "./units.ts";
export * from "./text.ts";
export * from "./quiz.ts";
export * from "./bot-kinds.ts";
export * from "./engine.ts";
export * from "./markets.ts";
export * from "./messages.ts";
export * from "./state.ts";
export * from "./room-protocol.ts";
export * from "./private-state.ts";
