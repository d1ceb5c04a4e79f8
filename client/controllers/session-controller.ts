import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { io } from 'socket.io-client'
import { errorMessage } from '../../shared/errors'
import { type ClassificationMetrics, classificationMetrics } from '../../shared/metrics/classification'
import { weightsDigest } from '../../shared/model/version'
import type { AccountView, TaskInfo, TaskListing } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import type { TaskSchema } from '../../shared/tasks/schema'
import type { CsvReport } from '../data/csv/csv-report'
import type { SavedRowsInfo } from '../data/csv/saved-rows'
import { tabParser } from '../session/bounded-parser'
import { browserKeys } from '../session/browser-keys'
import { browserPrivacyStore } from '../session/browser-privacy-store'
import { fetchAccount, sendTransaction } from '../session/chain-client'
import type { ClientSocket } from '../session/client-socket'
import { FederatedSession, type SessionSnapshot } from '../session/federated-session'
import {
  type PrivatePrediction,
  plaintextPrediction,
  predictPrivately,
  releaseInferenceKeys,
} from '../session/private-inference'
import { TabEncryption } from '../session/tab-encryption'
import { fetchTasks } from '../session/task-list'
import { parseBackendName } from '../training/backend-choice'
import type { CsvChoices, HeldOutRow } from '../training/trainer-port'
import { WorkerTrainer } from '../training/worker-trainer'

/** The CSV step of a tab: its report, reading progress, and rows saved in this browser for the task. */
export type CsvState = {
  report: CsvReport | null
  progress: number
  loading: boolean
  saved: SavedRowsInfo | null
}

/** Where a tab is: starting its worker, choosing a task, picking its CSV, or joined. */
export type TabStage = 'starting' | 'choosing' | 'loading-data' | 'joined' | 'failed'

/**
 * A tab's path into the federation: start the training worker (backend from `?backend=` or the best available),
 * list the coordinator's tasks, let the person choose one (`?task=` preselects; a lone demo task is joined at once),
 * read their CSV in the worker for a CSV task, then join with a FederatedSession. The host re-renders on change.
 */
export type PrivateInferenceResult = PrivatePrediction & {
  /** The tab's own plaintext prediction with the same model version (null if it holds another version). */
  readonly plain: { readonly exact: number; readonly polynomial: number; readonly logit: number } | null
}

/** A saved model scored on this tab's held-out rows, with the digest of its weights. */
export type SavedModelCheck = ClassificationMetrics & { readonly digest: string }

export class SessionController implements ReactiveController {
  stage: TabStage = 'starting'
  tasks: readonly TaskListing[] = []
  task: TaskInfo | null = null
  snapshot: SessionSnapshot | null = null
  backendReason = ''
  error: string | null = null
  csv: CsvState = { report: null, progress: 0, loading: false, saved: null }
  #trainer: WorkerTrainer | null = null
  #socket: ClientSocket | null = null
  #session: FederatedSession | null = null
  #unsubscribe: (() => void) | null = null
  readonly keys = browserKeys()
  /** This browser's account on the chain, and the result of the last thing it sent. */
  account: AccountView | null = null
  accountMessage: string | null = null

  async refreshAccount(): Promise<void> {
    if (!this.#socket) return
    const account = await fetchAccount(this.#socket, this.keys.address)
    if (account.ok) this.account = account.value
    this.host.requestUpdate()
  }

  /** Claims the chain's one-time grant of tokens for this browser's account. */
  async claimTokens(): Promise<void> {
    if (!this.#socket) return
    const sent = await sendTransaction(this.#socket, this.keys, 'token.claim', {})
    this.accountMessage = sent.ok ? `claimed in block ${sent.value.block}` : `refused: ${sent.error.message}`
    await this.refreshAccount()
  }

  /** The person accepts the weaker protection the coordinator announced (`RoundGuard`). */
  acceptWeakerProtection(): void {
    this.#session?.acceptWeakerProtection()
  }

  /**
   * A saved model (the coordinator page's download, `privx --out`) scored on this tab's held-out rows, as the tab
   * scores each global model, with its weights' digest (equal to a global model's means the same predictions).
   */
  async checkSavedModel(files: readonly File[]): Promise<Result<SavedModelCheck>> {
    if (!this.#trainer || !this.task)
      return fail('not-joined', 'join a task first: the model is scored on its rows')
    const { readSavedModel } = await import('../training/saved-model')
    const weights = await readSavedModel(files, this.task)
    if (!weights.ok) return weights
    const scored = await this.#trainer.evaluate(weights.value)
    return ok({ ...classificationMetrics(scored.confusion), digest: weightsDigest(weights.value) })
  }

  /** One of this tab's held-out rows as the model reads it: it stays in the tab. */
  async heldOutRow(index: number): Promise<HeldOutRow | null> {
    return (await this.#trainer?.heldOutRow(index)) ?? null
  }

  /**
   * The model's prediction on `features`, computed by the coordinator on them encrypted under this tab's own key,
   * beside the plaintext prediction of the model this tab holds.
   */
  async predictPrivately(features: readonly number[]): Promise<PrivateInferenceResult> {
    if (!this.#socket || !this.task) throw new Error('join a task first')
    const prediction = await predictPrivately(this.#socket, this.task.id, features)
    const model = this.#session?.model
    const plain = model && plaintextPrediction(model.weights, features, prediction.sigmoid)
    return { ...prediction, plain: model?.version === prediction.modelVersion ? (plain ?? null) : null }
  }

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this)
  }

  hostConnected(): void {
    void this.#start()
  }

  hostDisconnected(): void {
    releaseInferenceKeys()
    this.#unsubscribe?.()
    this.#session?.stop()
    this.#socket?.disconnect()
    this.#trainer?.dispose()
    this.#session = null
    this.#trainer = null
  }

  /** Picks a task: a demo task joins at once, a CSV task waits for its file. */
  choose(taskId: string): void {
    const listing = this.tasks.find((t) => t.task.id === taskId)
    if (!listing) return
    this.task = listing.task
    this.csv = { report: null, progress: 0, loading: false, saved: null }
    const url = new URL(location.href)
    url.searchParams.set('task', taskId)
    history.replaceState(null, '', url)
    if (listing.task.dataset.kind === 'csv') {
      this.#update({ stage: 'loading-data' })
      void this.#checkSaved(listing.task.id, listing.task.dataset.schema)
    } else {
      void this.join(false)
    }
  }

  /** Uses the rows this browser saved for the task (with the person's consent, earlier). */
  async useSaved(): Promise<void> {
    const task = this.task
    if (!this.#trainer || task?.dataset.kind !== 'csv') return
    const report = await this.#trainer.restoreCsv(task.id, task.dataset.schema)
    this.csv = { ...this.csv, report, saved: report ? this.csv.saved : null }
    this.host.requestUpdate()
  }

  async forgetSaved(): Promise<void> {
    if (!this.#trainer || !this.task) return
    await this.#trainer.forgetCsv(this.task.id)
    this.csv = { ...this.csv, saved: null }
    this.host.requestUpdate()
  }

  async #checkSaved(taskId: string, schema: TaskSchema): Promise<void> {
    try {
      const saved = (await this.#trainer?.savedCsv(taskId, schema)) ?? null
      this.csv = { ...this.csv, saved }
    } catch {
      // No IndexedDB here (a private window, say): nothing saved, nothing to offer.
    }
    this.host.requestUpdate()
  }

  /** Reads a CSV in the worker against the chosen task's schema; the report comes back, the rows stay there. */
  async loadFile(file: File, choices: CsvChoices): Promise<void> {
    const task = this.task
    if (!this.#trainer || task?.dataset.kind !== 'csv') return
    this.csv = { ...this.csv, report: null, progress: 0, loading: true }
    this.host.requestUpdate()
    try {
      const report = await this.#trainer.loadCsv(
        file,
        file.name,
        task.dataset.schema,
        choices,
        (progress) => {
          this.csv = { ...this.csv, progress }
          this.host.requestUpdate()
        },
      )
      this.csv = { ...this.csv, report, progress: 1, loading: false }
    } catch (error) {
      this.csv = { ...this.csv, report: null, progress: 0, loading: false }
      this.error = `could not read ${file.name}: ${errorMessage(error)}`
    }
    this.host.requestUpdate()
  }

  /** Joins the chosen task; `remember` first keeps the loaded CSV rows in this browser for a later reload. */
  async join(remember: boolean): Promise<void> {
    if (!this.#trainer || !this.#socket || !this.task) return
    if (remember && this.task.dataset.kind === 'csv') {
      try {
        await this.#trainer.saveCsv(this.task.id)
      } catch (error) {
        this.error = `could not keep the rows in this browser: ${errorMessage(error)}`
      }
    }
    // WebCrypto's key agreement exists only in secure contexts (https, localhost): elsewhere the tab trains in the
    // clear and cannot take part in encrypted rounds.
    const encryption = await TabEncryption.create(this.task.id).catch((error: unknown) => {
      this.error = `encryption unavailable in this tab (${errorMessage(error)}); open the page over https or on localhost to take part in encrypted rounds`
      return null
    })
    const session = new FederatedSession(
      this.#socket,
      this.#trainer,
      this.task.id,
      this.keys,
      encryption,
      browserPrivacyStore(),
    )
    this.#session = session
    this.#unsubscribe = session.subscribe((snapshot) => {
      // A new global model means a new round record, possibly with a reward: refresh the balance.
      if (snapshot.global?.round !== this.snapshot?.global?.round) void this.refreshAccount()
      this.snapshot = snapshot
      this.host.requestUpdate()
    })
    this.snapshot = session.snapshot
    session.start()
    this.#update({ stage: 'joined' })
  }

  async #start(): Promise<void> {
    try {
      const trainer = new WorkerTrainer()
      this.#trainer = trainer
      const query = new URLSearchParams(location.search)
      const requested = query.get('backend')
      if (requested && !parseBackendName(requested)) {
        this.error = `unknown backend "${requested}" in the URL (use webgpu, webgl, wasm or cpu); choosing automatically`
      }
      const choice = await trainer.init(parseBackendName(requested))
      this.backendReason = choice.reason
      this.#socket = io({ transports: ['websocket', 'polling'], autoConnect: false, parser: tabParser })
      const tasks = await fetchTasks(this.#socket)
      if (!tasks.ok) throw new Error(tasks.error.message, { cause: tasks.error })
      this.tasks = tasks.value
      void this.refreshAccount()
      const wanted = query.get('task')
      if (wanted && tasks.value.some((t) => t.task.id === wanted)) this.choose(wanted)
      else if (wanted)
        this.#update({
          stage: 'choosing',
          error: `there is no task "${wanted}" on this coordinator; choose one`,
        })
      else if (tasks.value.length === 1 && tasks.value[0]!.task.dataset.kind !== 'csv')
        this.choose(tasks.value[0]!.task.id)
      else this.#update({ stage: 'choosing' })
    } catch (error) {
      this.#update({
        stage: 'failed',
        error: `this tab cannot train: ${errorMessage(error)}`,
      })
    }
  }

  #update(patch: { stage?: TabStage; error?: string | null }): void {
    if (patch.stage) this.stage = patch.stage
    if (patch.error !== undefined) this.error = patch.error
    this.host.requestUpdate()
  }
}
