import { afterEach } from 'vitest'
import {
  type HeadlessClient,
  type HeadlessOptions,
  startHeadlessClient,
} from '../../client/headless/headless-client'
import type { Federation } from '../../coordinator/federation'
import { type Coordinator, type CoordinatorOptions, startCoordinator } from '../../coordinator/server'
import { waitFor } from './wait'

/** A coordinator on a free port (0) serving no pages, unless `options` say otherwise. */
export function startTestCoordinator(options: CoordinatorOptions = {}): Promise<Coordinator> {
  return startCoordinator({ port: 0, staticDir: null, ...options })
}

/** Tabs of `federation` that joined and loaded their data. */
export function readyCount(federation: Federation): number {
  return [...federation.state.clients.values()].filter((c) => c.ready).length
}

/** Waits until `count` tabs of `federation` are ready. */
export function waitForReady(federation: Federation, count: number, timeoutMs?: number): Promise<void> {
  return waitFor(() => readyCount(federation) === count, `${count} ready clients`, timeoutMs)
}

/**
 * What one test starts over real sockets: a coordinator on port 0 and headless clients. `close()` stops the
 * clients first (so none reconnects to a closing server), then the coordinator.
 */
export class TestFederation {
  #coordinator: Coordinator | null = null
  clients: HeadlessClient[] = []

  /** The running coordinator; throws when none was started. */
  get coordinator(): Coordinator {
    if (!this.#coordinator) throw new Error('no coordinator: call start() first')
    return this.#coordinator
  }

  /** Starts a coordinator (a test that restarts one stops it first with `stop()`; clients stay). */
  async start(options: CoordinatorOptions = {}): Promise<Coordinator> {
    if (this.#coordinator) throw new Error('a coordinator is running: stop() it first')
    this.#coordinator = await startTestCoordinator(options)
    return this.#coordinator
  }

  /** Starts `count` headless clients one after another (they share this process's tfjs engine). */
  async addClients(count: number, options: HeadlessOptions = {}): Promise<HeadlessClient[]> {
    const added: HeadlessClient[] = []
    for (let i = 0; i < count; i++) added.push(await this.addClient(options))
    return added
  }

  async addClient(options: HeadlessOptions = {}): Promise<HeadlessClient> {
    const client = await startHeadlessClient(this.coordinator.url, options)
    this.clients.push(client)
    return client
  }

  async stop(): Promise<void> {
    const coordinator = this.#coordinator
    this.#coordinator = null
    await coordinator?.close()
  }

  async close(): Promise<void> {
    for (const client of this.clients.splice(0)) client.close()
    await this.stop()
  }
}

/** A `TestFederation` for each test of the calling file, closed after it. */
export function useTestFederation(): TestFederation {
  const federation = new TestFederation()
  afterEach(() => federation.close())
  return federation
}
