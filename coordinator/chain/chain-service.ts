import {
  type Block,
  checkInclusion,
  type InclusionProof,
  produceBlock,
  proveInclusion,
  verifyBlock,
} from '../../shared/chain/block'
import { hashOf, type Json } from '../../shared/chain/encoding'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import {
  accountOf,
  type ChainState,
  type RoundParticipant,
  type TrainingRound,
} from '../../shared/chain/state'
import { type SignedTransaction, signTransaction } from '../../shared/chain/transaction'
import type { TaskInfo } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import { type ChainHealth, type RateLimited, SingleFlightGate } from './chain-health'
import { ChainStore, SNAPSHOT_INTERVAL } from './chain-store'
import { verifyFully } from './full-verification'
import { DEFAULT_SLICE_MS } from './sliced'

/** The least time between two full re-verifications (`reverify`) unless `open` is told otherwise. */
export const DEFAULT_REVERIFY_INTERVAL_MS = 60_000

export interface RoundRecordPayload {
  readonly taskId: string
  readonly modelRound: number
  readonly run: number
  readonly modelBefore: string
  readonly modelAfter: string
  readonly participants: readonly RoundParticipant[]
  readonly metrics: Json
  readonly privacy: Json
  readonly homomorphic: boolean
  readonly rewardPerExample: number
}

/**
 * The coordinator's chain: it produces every block (signed with its key, kept in the data directory), records
 * training, and accepts signed transactions from anyone. Each accepted transaction goes into a block at once; a
 * block is on disk (fsync'd) before anything is acknowledged. Without a data directory the chain lives in memory.
 *
 * Verification is paid once: the whole chain at `open`, then each block as it is appended. `verified()` answers
 * from that state without work (safe behind any unauthenticated endpoint); `reverify()` re-reads and re-checks
 * everything in slices that leave the event loop free, rate-limited.
 */
export class ChainService {
  readonly keys: KeyPair
  readonly warnings: readonly string[]
  /**
   * True when `open` replayed only the blocks after the state snapshot (the ones before it were checked by their
   * headers and hash links): the caller runs `reverify` in the background to check every block from genesis.
   */
  readonly fromSnapshot: boolean
  /** Appended in place (never copied): readers hold it only within one turn of the event loop. */
  readonly #blocks: Block[]
  /** Which block holds each transaction, for inclusion proofs without a scan. */
  readonly #blockOfTx = new Map<string, number>()
  #state: ChainState
  readonly #store: ChainStore | null
  readonly #listeners = new Set<(tx: SignedTransaction, block: number) => void>()
  readonly #warningListeners = new Set<(message: string) => void>()
  /** Set by `halt`: why no block is taken any more. */
  #halted: string | null = null
  readonly #now: () => number
  #health: ChainHealth
  readonly #reverifyGate: SingleFlightGate<ChainHealth>
  readonly #sliceMs: number

  private constructor(
    store: ChainStore | null,
    keys: KeyPair,
    blocks: Block[],
    state: ChainState,
    warnings: string[],
    options: { now: () => number; reverifyIntervalMs: number; sliceMs: number },
    fromSnapshot: boolean,
  ) {
    this.#store = store
    this.keys = keys
    this.#blocks = blocks
    for (const block of blocks) this.#indexTransactions(block)
    this.#state = state
    this.warnings = warnings
    this.#now = options.now
    this.#sliceMs = options.sliceMs
    this.#reverifyGate = new SingleFlightGate(
      options.reverifyIntervalMs,
      options.now,
      'a full chain verification',
    )
    const at = options.now()
    this.fromSnapshot = fromSnapshot
    this.#health = { ok: true, ...this.#head(), verifiedAt: at, fullVerifiedAt: fromSnapshot ? null : at }
  }

  /**
   * Opens the stored chain (verifying all of it, and its head checkpoint) or starts one; throws, naming the block
   * and check, if it is invalid, and naming the missing blocks if its end was cut off. `reverifyIntervalMs` is the
   * least time between two `reverify` runs (default 60 s); `sliceMs` how long one of its slices may hold the event
   * loop (default 10 ms).
   */
  static open(options: {
    dataDir: string | null
    chainId: string
    faucetAmount: number
    now?: () => number
    reverifyIntervalMs?: number
    sliceMs?: number
  }): ChainService {
    const now = options.now ?? Date.now
    const settings = {
      now,
      reverifyIntervalMs: options.reverifyIntervalMs ?? DEFAULT_REVERIFY_INTERVAL_MS,
      sliceMs: options.sliceMs ?? DEFAULT_SLICE_MS,
    }
    const store = options.dataDir ? new ChainStore(options.dataDir) : null
    const keys = store ? store.producerKeys() : generateKeyPair()
    const loaded = store
      ? store.load({ repair: true, fromSnapshot: true })
      : { ok: true as const, blocks: [], state: null, warnings: [], replayedFrom: 0 }
    if (!loaded.ok) {
      const f = loaded.fault
      throw new Error(
        `the stored chain is invalid at block ${f.index} (${f.check}): ${f.message}. Run "npx privx verify --data-dir ${options.dataDir}".`,
      )
    }
    if (loaded.blocks.length > 0) {
      const chainId = loaded.blocks[0]!.header.chainId
      if (chainId !== options.chainId)
        throw new Error(`the data directory holds chain "${chainId}", not "${options.chainId}"`)
      if (loaded.state!.producer !== keys.address)
        throw new Error('the producer key in the data directory did not produce this chain')
      // A long replay at this start-up (an older data directory, or a stale snapshot) is not repeated at the next.
      if (store && loaded.blocks.length - loaded.replayedFrom > SNAPSHOT_INTERVAL) {
        try {
          store.writeSnapshot(loaded.blocks.at(-1)!, loaded.state!)
        } catch (error) {
          loaded.warnings.push(`the state snapshot was not written (${(error as Error).message})`)
        }
      }
      const fromSnapshot = loaded.replayedFrom > 0
      return new ChainService(
        store,
        keys,
        loaded.blocks,
        loaded.state!,
        loaded.warnings,
        settings,
        fromSnapshot,
      )
    }
    const genesisTx = signTransaction(keys, {
      chainId: options.chainId,
      nonce: 0,
      type: 'chain.genesis',
      payload: { faucetAmount: options.faucetAmount },
      timestamp: now(),
    })
    const genesis = produceBlock({ chainId: options.chainId }, [genesisTx], keys, now())
    if (!genesis.ok) throw new Error(`cannot create the genesis block: ${genesis.error.message}`)
    store?.append(genesis.value.block)
    return new ChainService(
      store,
      keys,
      [genesis.value.block],
      genesis.value.state,
      loaded.warnings,
      settings,
      false,
    )
  }

  get state(): ChainState {
    return this.#state
  }

  get blocks(): readonly Block[] {
    return this.#blocks
  }

  get chainId(): string {
    return this.#state.chainId
  }

  /**
   * Checks, applies and seals a signed transaction in a new block; the reason goes back when it is refused.
   * `beforeCommit` runs once the block is known to be valid and before it is stored (a delivery stores the bytes the
   * transaction names there: never for a refused transaction, always before the chain says delivered).
   */
  submit(tx: SignedTransaction, beforeCommit?: () => void): Result<{ txId: string; block: number }> {
    if (this.#halted) return fail('invalid-state', this.#halted)
    // produceBlock checks and applies the transaction; its refusal is the sender's answer.
    const head = this.#blocks.at(-1)!
    const next = produceBlock({ block: head, state: this.#state }, [tx], this.keys, this.#now())
    if (!next.ok) return next
    // The block as any verifier will see it: one block's work, so verified() never needs to replay the chain.
    const checked = verifyBlock(next.value.block, this.#state, head)
    if (!checked.ok)
      return fail(
        'invalid-state',
        `the produced block does not verify (${checked.fault.check}): ${checked.fault.message}`,
      )
    beforeCommit?.()
    this.#store?.append(next.value.block)
    this.#blocks.push(next.value.block)
    this.#indexTransactions(next.value.block)
    this.#state = next.value.state
    if (this.#health.ok) this.#health = { ...this.#health, ...this.#head(), verifiedAt: this.#now() }
    const block = next.value.block.header.index
    this.#snapshotIfDue(next.value.block, next.value.state)
    // Listeners run after this submit returns: one that submits in turn never nests inside it.
    for (const listener of this.#listeners) queueMicrotask(() => listener(tx, block))
    return ok({ txId: tx.id, block })
  }

  /**
   * Stops the chain taking blocks, with the reason every later submit is refused with: the full verification after
   * a start-up from the snapshot found the stored history invalid, which a start-up from genesis would have refused.
   */
  halt(reason: string): void {
    this.#halted ??= reason
  }

  /** Calls `listener` with each warning about the chain's storage (a snapshot that could not be written). */
  onWarning(listener: (message: string) => void): () => void {
    this.#warningListeners.add(listener)
    return () => this.#warningListeners.delete(listener)
  }

  /**
   * Every SNAPSHOT_INTERVAL blocks, the state for the next start-up. The snapshot is a cache: failing to write it (a
   * full disk) costs the next start-up a longer replay, never the block, which is on disk already.
   */
  #snapshotIfDue(block: Block, state: ChainState): void {
    if (!this.#store || (block.header.index + 1) % SNAPSHOT_INTERVAL !== 0) return
    try {
      this.#store.writeSnapshot(block, state)
    } catch (error) {
      const message = `the state snapshot at block ${block.header.index} was not written (${(error as Error).message}): the next start-up replays more blocks`
      for (const listener of this.#warningListeners) listener(message)
    }
  }

  /** Calls `listener` with every transaction applied from now on (the market reacts to purchases). */
  onApplied(listener: (tx: SignedTransaction, block: number) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** A transaction from the coordinator's own account, submitted in its own block. */
  submitOwn(type: string, payload: Json): Result<{ txId: string; block: number }> {
    return this.submit(this.#own(type, payload))
  }

  /** A transaction from the coordinator's own account, with its next nonce. */
  #own(type: string, payload: Json): SignedTransaction {
    const nonce = accountOf(this.#state, this.keys.address).nonce
    return signTransaction(this.keys, { chainId: this.chainId, nonce, type, payload, timestamp: this.#now() })
  }

  /** Registers a task (its id, name and the hash of its full definition) unless it already is. */
  registerTask(task: TaskInfo): Result<null> {
    if (Object.hasOwn(this.#state.tasks, task.id)) return ok(null)
    const registered = this.submit(
      this.#own('training.register-task', {
        taskId: task.id,
        name: task.name,
        configHash: hashOf(task as unknown as Json),
        // A paid task's stake is the contract's, fixed at registration (absent: the task asks none).
        ...(task.stake ? { stake: task.stake.tokens } : {}),
        ...(task.stake?.slashPercent ? { slashPercent: task.stake.slashPercent } : {}),
      }),
    )
    return registered.ok ? ok(null) : registered
  }

  /** Records an aggregated round in its own block. */
  recordRound(record: RoundRecordPayload): Result<{ txId: string; block: number }> {
    const round = (this.#state.tasks[record.taskId]?.rounds ?? 0) + 1
    return this.submit(this.#own('training.record-round', { ...record, round } as unknown as Json))
  }

  /** Mints `amount` to the coordinator and moves it into a task's reward escrow (two blocks). */
  fundTask(taskId: string, amount: number): Result<{ escrow: number }> {
    const minted = this.submit(this.#own('token.mint', { to: this.keys.address, amount }))
    if (!minted.ok) return minted
    const funded = this.submit(this.#own('training.fund', { taskId, amount }))
    if (!funded.ok) return funded
    return ok({ escrow: this.#state.tasks[taskId]?.escrow ?? 0 })
  }

  /** The last recorded round of a task, if any. */
  lastRound(taskId: string): TrainingRound | null {
    return this.#state.rounds.lastOfTask(taskId)
  }

  /** A proof that a transaction is in its block, already checked against that block's header. */
  proof(
    txId: string,
  ): Result<{ proof: InclusionProof; block: Block['header']; blockHash: string; valid: boolean }> {
    const index = this.#blockOfTx.get(txId)
    const block = index === undefined ? undefined : this.#blocks[index]
    const proof = block && proveInclusion(block, txId)
    if (!block || !proof) return fail('bad-payload', `no transaction ${txId} on this chain`)
    return ok({
      proof,
      block: block.header,
      blockHash: block.hash,
      valid: checkInclusion(proof, block.header),
    })
  }

  /**
   * The chain's verification status, from state kept as blocks are appended: O(1), reads nothing. A fault found by
   * `reverify` stays here until a later `reverify` passes.
   */
  verified(): ChainHealth {
    return this.#health
  }

  /**
   * The earlier answer's shape (`{ ok, height }`, or the fault's index, check and message), from `verified()`.
   * @deprecated use `verified()`, which also says which head was verified and when.
   */
  verify(): { ok: true; height: number } | { ok: false; index: number; check: string; message: string } {
    const h = this.#health
    return h.ok
      ? { ok: true, height: h.height }
      : { ok: false, index: h.index, check: h.check, message: h.message }
  }

  /**
   * Re-verifies the whole chain from genesis, from disk (both files, as `privx verify` would) when there is a data
   * directory, else from memory, and checks that disk and memory agree on the head. Runs in slices of `sliceMs`,
   * yielding to the event loop between them. One run at a time (a call during a run gets that run's promise), and
   * at most one start per `reverifyIntervalMs`, else a `rate-limited` refusal with the seconds to wait. The outcome,
   * valid or not, becomes what `verified()` answers.
   */
  reverify(): Promise<Result<ChainHealth, RateLimited>> {
    return this.#reverifyGate.run(() => this.#fullVerification())
  }

  async #fullVerification(): Promise<ChainHealth> {
    const fullVerifiedAt = this.#now()
    // The blocks as they stand now: appends during the slices must not move what is checked.
    const outcome = await verifyFully(this.#store, this.#blocks.slice(), this.#sliceMs)
    const at = { verifiedAt: this.#now(), fullVerifiedAt }
    this.#health = outcome.ok ? { ok: true, ...this.#head(), ...at } : { ...outcome, ...at }
    return this.#health
  }

  #indexTransactions(block: Block): void {
    for (const tx of block.transactions) this.#blockOfTx.set(tx.id, block.header.index)
  }

  /** The current height and head hash. */
  #head(): { height: number; head: string } {
    return { height: this.#blocks.length, head: this.#blocks.at(-1)!.hash }
  }
}
