import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { io } from 'socket.io-client'
import { type ClientSocket, FederatedSession, type SessionSnapshot } from '../session/federated-session'
import { parseBackendName } from '../training/backend-choice'
import { WorkerTrainer } from '../training/worker-trainer'

/**
 * Connects a tab to the coordinator: starts the training worker (backend from `?backend=` or the best available),
 * then a FederatedSession over a same-origin socket. The host re-renders on every session change.
 */
export class SessionController implements ReactiveController {
  snapshot: SessionSnapshot | null = null
  backendReason = ''
  error: string | null = null
  #trainer: WorkerTrainer | null = null
  #session: FederatedSession | null = null
  #unsubscribe: (() => void) | null = null

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this)
  }

  hostConnected(): void {
    void this.#start()
  }

  hostDisconnected(): void {
    this.#unsubscribe?.()
    this.#session?.stop()
    this.#trainer?.dispose()
    this.#session = null
    this.#trainer = null
  }

  async #start(): Promise<void> {
    try {
      const trainer = new WorkerTrainer()
      this.#trainer = trainer
      const requested = new URLSearchParams(location.search).get('backend')
      if (requested && !parseBackendName(requested)) {
        this.error = `unknown backend "${requested}" in the URL (use webgpu, webgl, wasm or cpu); choosing automatically`
      }
      const choice = await trainer.init(parseBackendName(requested))
      this.backendReason = choice.reason
      const socket: ClientSocket = io({ transports: ['websocket', 'polling'], autoConnect: false })
      const session = new FederatedSession(socket, trainer)
      this.#session = session
      this.#unsubscribe = session.subscribe((snapshot) => {
        this.snapshot = snapshot
        this.host.requestUpdate()
      })
      this.snapshot = session.snapshot
      session.start()
    } catch (error) {
      this.error = `this tab cannot train: ${error instanceof Error ? error.message : String(error)}`
    }
    this.host.requestUpdate()
  }
}
