import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { type HeadlessClient, startHeadlessClient } from '../client/headless/headless-client'
import { TrainerPool } from '../client/headless/trainer-pool'
import { activateNodeBackend } from '../client/training/backend-node'
import type { TrainerPort } from '../client/training/trainer-port'
import type { KeyPair } from '../shared/chain/keys'
import { launchChromium } from './chromium'

/** The clients of a run: Node clients (the tabs' own core) or real headless Chromium tabs. */
export interface RunClients {
  /** The model a client holds (Node clients only; tabs keep theirs in the page). */
  model(): Float32Array | null
  /** Throws the reason once the clients can no longer train (a training thread died); returns otherwise. */
  check(): void
  close(): Promise<void>
}

/** Starts one client per CSV part on `taskId`; resolves once each has loaded its rows and asked to join. */
export async function startClients(
  url: string,
  taskId: string,
  parts: readonly { readonly name: string; readonly csv: string }[],
  options: {
    readonly browser: boolean
    readonly keys?: KeyPair
    /** The trainer wrapper of the client at `index` (a simulated attacker), or undefined for an honest one. */
    readonly wrap?: (index: number) => ((trainer: TrainerPort) => TrainerPort) | undefined
    /**
     * Worker threads the Node clients train in (client k in thread k mod N; a simulated attacker's wrapper stays in
     * this thread around its pooled trainer); 0 trains them all in this thread, taking turns.
     */
    readonly workers?: number
  },
): Promise<RunClients> {
  if (options.browser) {
    if (options.wrap) throw new Error('simulated attackers run as Node clients, not browser tabs')
    return startTabs(url, taskId, parts)
  }
  const workers = options.workers ?? 0
  const pool = workers > 0 ? await TrainerPool.start(Math.min(workers, parts.length)) : null
  // The run scores models in this thread with tfjs' active backend: the one in-process clients would have set, so
  // a pooled run scores (and trains its centralized baseline) exactly as an in-process run does.
  if (pool) await activateNodeBackend('wasm')
  const clients: HeadlessClient[] = []
  const close = async (): Promise<void> => {
    for (const c of clients) c.close()
    await pool?.close()
  }
  try {
    for (const [index, part] of parts.entries()) {
      const wrapTrainer = options.wrap?.(index)
      clients.push(
        await startHeadlessClient(url, {
          taskId,
          csv: { text: part.csv, fileName: `${part.name}.csv` },
          ...(options.keys ? { keys: options.keys } : {}),
          ...(wrapTrainer ? { wrapTrainer } : {}),
          ...(pool ? { trainer: pool.trainer() } : {}),
        }),
      )
    }
  } catch (error) {
    await close()
    throw error
  }
  return {
    model: () => clients.find((c) => c.session.model)?.session.model?.weights ?? null,
    check() {
      if (pool?.failure) throw pool.failure
    },
    close,
  }
}

/** One browser context per client (its own account), each uploading its CSV through the page's file input. */
async function startTabs(
  url: string,
  taskId: string,
  parts: readonly { name: string; csv: string }[],
): Promise<RunClients> {
  const dir = mkdtempSync(join(tmpdir(), 'privx-tabs-'))
  let browser: Browser | null = null
  try {
    browser = await launchChromium()
    for (const part of parts) {
      const file = join(dir, `${part.name.replace(/[^a-z0-9-]+/gi, '-')}.csv`)
      writeFileSync(file, part.csv)
      const page = await (await browser.newContext()).newPage()
      await page.goto(`${url}/?task=${encodeURIComponent(taskId)}`)
      await page.getByTestId('csv-input').setInputFiles(file)
      await page.getByTestId('join').click({ timeout: 60_000 })
    }
  } catch (error) {
    await browser?.close()
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`browser tabs: ${error instanceof Error ? error.message : String(error)}`)
  }
  const opened = browser
  return {
    model: () => null,
    check() {},
    async close() {
      await opened.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
