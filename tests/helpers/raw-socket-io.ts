import WebSocket from 'ws'

export interface RawConnectOptions {
  /** Origin header to send (browsers always send one; Node peers none unless set). */
  readonly origin?: string
  /** socket.io namespace to join ('/' by default). */
  readonly namespace?: string
  /** Handshake `auth` for the namespace (the live page's token). */
  readonly auth?: Record<string, unknown>
  readonly timeoutMs?: number
}

/** What a refused handshake got back: the HTTP status of the upgrade. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`)
  }
}

/**
 * A socket.io peer that speaks the wire by hand (engine.io 4 over WebSocket): it sends any frame, text or binary,
 * well-formed or not, as a hostile peer would, and reads the coordinator's answers. Test code only.
 */
export class RawSocketIo {
  readonly received: (string | Buffer)[] = []
  #acks = new Map<number, (value: unknown) => void>()
  #nextAck = 1
  #closed: Promise<void>

  private constructor(
    readonly ws: WebSocket,
    readonly namespace: string,
  ) {
    this.#closed = new Promise((resolve) => ws.once('close', () => resolve()))
    ws.on('message', (data, isBinary) => {
      const frame = isBinary ? (data as Buffer) : data.toString()
      if (frame === '2') {
        this.sendFrame('3')
        return
      }
      this.received.push(frame)
      if (typeof frame !== 'string') return
      // An ack (43), or a binary ack (46N-) whose attachments follow: placeholders stand in for them here.
      const ack = /^4(?:3|6\d+-)(?:\/[^,]*,)?(\d+)(\[.*)$/s.exec(frame)
      if (ack) {
        const resolve = this.#acks.get(Number(ack[1]))
        this.#acks.delete(Number(ack[1]))
        resolve?.((JSON.parse(ack[2]!) as unknown[])[0])
      }
    })
  }

  static async connect(baseUrl: string, options: RawConnectOptions = {}): Promise<RawSocketIo> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`
    const ws = new WebSocket(url, options.origin ? { origin: options.origin } : {})
    const namespace = options.namespace ?? '/'
    const timeoutMs = options.timeoutMs ?? 10_000
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('raw socket.io connect timed out')), timeoutMs)
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer)
        reject(new HandshakeRefused(res.statusCode ?? 0))
      })
      ws.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      const prefix = namespace === '/' ? '40' : `40${namespace},`
      ws.on('message', function opening(data) {
        const text = data.toString()
        if (text.startsWith('0{')) {
          ws.send(`${prefix}${options.auth ? JSON.stringify(options.auth) : ''}`)
        } else if (text.startsWith(prefix)) {
          clearTimeout(timer)
          ws.off('message', opening)
          resolve()
        }
      })
    })
    return new RawSocketIo(ws, namespace)
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  get closed(): Promise<void> {
    return this.#closed
  }

  /** Sends one frame exactly as given; a closed socket drops it. */
  sendFrame(frame: string | Uint8Array): void {
    if (this.open) this.ws.send(frame)
  }

  #prefix(type: string): string {
    return this.namespace === '/' ? type : `${type}${this.namespace},`
  }

  emit(event: unknown, ...args: unknown[]): void {
    this.sendFrame(`${this.#prefix('42')}${JSON.stringify([event, ...args])}`)
  }

  /** Emits with an ack id and waits for the answer (undefined on timeout or close). */
  ask(event: unknown, payload?: unknown, timeoutMs = 10_000): Promise<unknown> {
    const id = this.#nextAck++
    const body = payload === undefined ? [event] : [event, payload]
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#acks.delete(id)
        resolve(undefined)
      }, timeoutMs)
      this.#acks.set(id, (value) => {
        clearTimeout(timer)
        resolve(value)
      })
      this.sendFrame(`${this.#prefix('42')}${id}${JSON.stringify(body)}`)
      void this.#closed.then(() => {
        clearTimeout(timer)
        resolve(undefined)
      })
    })
  }

  /** A binary event: the JSON with placeholders, then each attachment in a frame of its own. */
  emitBinary(event: string, payload: unknown, attachments: readonly Uint8Array[], ackId?: number): void {
    const ack = ackId === undefined ? '' : String(ackId)
    this.sendFrame(`${this.#prefix(`45${attachments.length}-`)}${ack}${JSON.stringify([event, payload])}`)
    for (const bytes of attachments) this.sendFrame(bytes)
  }

  close(): void {
    this.ws.terminate()
  }
}
