/**
 * What one peer may cost the coordinator. Every limit is a setting (`startCoordinator({ limits })`, `privx`
 * flags); the defaults let a browser tab, the market page and the live page work at full speed and cut off
 * anything that sends far more than they do.
 */
export interface NetworkLimits {
  /** Events one connection may send per second (a tab sends about 6: progress every 200 ms, then its update). */
  readonly eventsPerSecond: number
  /** Refused events within `abuseWindowSeconds` after which the connection is closed. */
  readonly abuseThreshold: number
  readonly abuseWindowSeconds: number
  /** Open connections from one IP address (handshakes beyond it are refused: HTTP 403 for long-polling, 400 for WebSocket). */
  readonly connectionsPerAddress: number
  /** New connections (handshakes) from one IP address per minute: a reconnect storm is refused at the door. */
  readonly handshakesPerAddressPerMinute: number
  /** Plain HTTP requests (pages, assets, `/api/*`) from one IP address per 10 seconds; a page load takes about 10. */
  readonly httpRequestsPerTenSeconds: number
  /** Packets (events and their binary parts, pings) one connection may send per second before it is closed. */
  readonly packetsPerSecond: number
  /** Bytes of unfinished messages' binary parts all connections of one address may hold at once. */
  readonly pendingBytesPerAddress: number
  /** Bytes queued for one peer that has not read them before its connection is closed (a peer that never reads). */
  readonly outboundBytes: number
  /** Chain transactions (each one a block kept for good) from one IP address per minute. */
  readonly transactionsPerAddressPerMinute: number
  /** Open connections in all. */
  readonly maxConnections: number
  /**
   * Browser origins allowed to connect besides the coordinator's own (same origin is always allowed; a peer that
   * sends no Origin header is not a browser and is judged by its proofs instead). '*' allows any origin.
   */
  readonly allowedOrigins: readonly string[]
  /**
   * Host names (the Host header, without the port) this coordinator answers to: a page of another name that
   * resolves to this machine (DNS rebinding) is refused. Loopback names by default; the address it listens on is
   * added at start; '*' allows any.
   */
  readonly allowedHosts: readonly string[]
  /** Largest text frame (JSON part of any event); binary parts are capped by the tasks' largest legal message. */
  readonly textFrameBytes: number
  /** Largest sealed anonymized copy of a dataset the market relays (one binary frame). */
  readonly copyBytes: number
  /**
   * Large uploads in flight at once per task (updates of the round's participants) and for everyone else together
   * (private predictions, sealed copies): a burst then costs this many large frames of memory, not one per client.
   */
  readonly uploadsInFlight: number
  /**
   * Requests that may wait for a slot of one pool at once (backpressure: they queue, they are not refused); the
   * next is refused as `rate-limited` and asks again later. Each connection waits for at most one.
   */
  readonly uploadQueue: number
  /** How long a granted upload may take to arrive before its slot is taken back. */
  readonly uploadGrantMs: number
  /**
   * How long a request for a shared slot (private predictions, sealed copies) may wait for one. An update waits
   * until its round's deadline when that is later (it is useless after it; the round's participants bound its queue).
   */
  readonly uploadWaitMs: number
}

export const defaultNetworkLimits: NetworkLimits = {
  eventsPerSecond: 50,
  abuseThreshold: 200,
  abuseWindowSeconds: 10,
  connectionsPerAddress: 64,
  handshakesPerAddressPerMinute: 300,
  httpRequestsPerTenSeconds: 300,
  packetsPerSecond: 1_000,
  pendingBytesPerAddress: 32 * 1024 * 1024,
  outboundBytes: 16 * 1024 * 1024,
  transactionsPerAddressPerMinute: 300,
  maxConnections: 5_000,
  allowedOrigins: [],
  allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
  textFrameBytes: 1024 * 1024,
  copyBytes: 2 * 1024 * 1024,
  uploadsInFlight: 4,
  uploadQueue: 1_000,
  uploadGrantMs: 20_000,
  uploadWaitMs: 30_000,
}

/** Event costs in `eventsPerSecond` units: work that is CPU-heavy for the coordinator costs more. */
export const EVENT_COST = {
  /** A chain transaction produces, hashes and fsyncs a block. */
  transaction: 5,
  /** A private prediction runs a homomorphic evaluation. */
  inference: 10,
  /** A full re-verification of the chain (control token only). */
  reverify: 25,
  /** A part of the encrypted history sent back, or a checkpoint loaded: up to 49 ciphertexts each. */
  replay: 5,
} as const
