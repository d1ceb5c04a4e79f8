import {
  type Block,
  checkInclusion,
  type InclusionProof,
  produceBlock,
  proveInclusion,
  verifyChain,
} from '../../shared/chain/block'
import { hashOf, type Json } from '../../shared/chain/encoding'
import { generateKeyPair, type KeyPair } from '../../shared/chain/keys'
import { accountOf, type ChainState } from '../../shared/chain/state'
import { type SignedTransaction, signTransaction } from '../../shared/chain/transaction'
import type { TaskInfo } from '../../shared/protocol'
import { fail, ok, type Result } from '../../shared/result'
import { ChainStore } from './chain-store'

export interface RoundRecordPayload {
  readonly taskId: string
  readonly modelRound: number
  readonly modelBefore: string
  readonly modelAfter: string
  readonly participants: readonly {
    readonly address: string
    readonly updateHash: string
    readonly examples: number
  }[]
  readonly metrics: Json
  readonly privacy: Json
  readonly homomorphic: boolean
  readonly rewardPerExample: number
}

/**
 * The coordinator's chain: it produces every block (signed with its key, kept in the data directory), records
 * training, and accepts signed transactions from anyone. Each accepted transaction goes into a block at once; a
 * block is on disk (fsync'd) before anything is acknowledged. Without a data directory the chain lives in memory.
 */
export class ChainService {
  readonly keys: KeyPair
  readonly warnings: readonly string[]
  #blocks: Block[]
  #state: ChainState
  readonly #store: ChainStore | null
  readonly #listeners = new Set<(tx: SignedTransaction, block: number) => void>()
  readonly #now: () => number

  private constructor(
    store: ChainStore | null,
    keys: KeyPair,
    blocks: Block[],
    state: ChainState,
    warnings: string[],
    now: () => number,
  ) {
    this.#store = store
    this.keys = keys
    this.#blocks = blocks
    this.#state = state
    this.warnings = warnings
    this.#now = now
  }

  /** Opens the stored chain (verifying all of it) or starts one; throws, naming the block and check, if it is invalid. */
  static open(options: {
    dataDir: string | null
    chainId: string
    faucetAmount: number
    now?: () => number
  }): ChainService {
    const now = options.now ?? Date.now
    const store = options.dataDir ? new ChainStore(options.dataDir) : null
    const keys = store ? store.producerKeys() : generateKeyPair()
    const loaded = store
      ? store.load({ repair: true })
      : { ok: true as const, blocks: [], state: null, warnings: [] }
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
      return new ChainService(store, keys, loaded.blocks, loaded.state!, loaded.warnings, now)
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
    return new ChainService(store, keys, [genesis.value.block], genesis.value.state, loaded.warnings, now)
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

  /** Checks, applies and seals a signed transaction in a new block; the reason goes back when it is refused. */
  submit(tx: SignedTransaction): Result<{ txId: string; block: number }> {
    // produceBlock checks and applies the transaction; its refusal is the sender's answer.
    const head = this.#blocks.at(-1)!
    const next = produceBlock({ block: head, state: this.#state }, [tx], this.keys, this.#now())
    if (!next.ok) return next
    this.#store?.append(next.value.block)
    this.#blocks = [...this.#blocks, next.value.block]
    this.#state = next.value.state
    const block = next.value.block.header.index
    // Listeners run after this submit returns: one that submits in turn never nests inside it.
    for (const listener of this.#listeners) queueMicrotask(() => listener(tx, block))
    return ok({ txId: tx.id, block })
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
  lastRound(taskId: string): ChainState['rounds'][number] | null {
    return [...this.#state.rounds].reverse().find((r) => r.taskId === taskId) ?? null
  }

  /** A proof that a transaction is in its block, already checked against that block's header. */
  proof(
    txId: string,
  ): Result<{ proof: InclusionProof; block: Block['header']; blockHash: string; valid: boolean }> {
    for (const block of this.#blocks) {
      const proof = proveInclusion(block, txId)
      if (proof)
        return ok({
          proof,
          block: block.header,
          blockHash: block.hash,
          valid: checkInclusion(proof, block.header),
        })
    }
    return fail('bad-payload', `no transaction ${txId} on this chain`)
  }

  /** Re-verifies the whole chain: from disk when there is a data directory, else from memory. */
  verify(): { ok: true; height: number } | { ok: false; index: number; check: string; message: string } {
    if (this.#store) {
      const loaded = this.#store.load()
      return loaded.ok ? { ok: true, height: loaded.blocks.length } : { ok: false, ...loaded.fault }
    }
    const verified = verifyChain(this.#blocks, this.chainId)
    return verified.ok ? { ok: true, height: verified.height } : { ok: false, ...verified.fault }
  }
}
