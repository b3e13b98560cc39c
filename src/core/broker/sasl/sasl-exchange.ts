/**
 * One login's conversation on the broker's side, whatever the mechanism:
 * each client token in, one token out, until the client is logged in or a
 * SaslAuthenticationError ends it (plain-exchange.ts, scram-exchange.ts).
 */
export interface SaslStep {
  /** What goes back to the client (may be empty). */
  token: Buffer
  /** The client is logged in as `user` once this token is sent. */
  done: boolean
}

export interface SaslExchange {
  readonly mechanism: string
  /** The user named so far (for the log line of a failed login), or null before the first token. */
  readonly user: string | null
  step(token: Buffer): Promise<SaslStep>
}
