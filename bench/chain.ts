/**
 * The chain's cost against its length (issue 17): block time at rounds 50, 1,000 and 5,000 (a round record in its
 * own block, signed, verified, appended and fsync'd, as the coordinator records a round), and start-up time on the
 * 5,000-round chain from the state snapshot against a full replay from genesis (what `privx verify` still runs).
 * Side by side at each height: the state root as it was before issue 17 (SHA-256 of the whole canonical state),
 * computed on the same state, and the incremental commitment that replaced it.
 * Run: npm run bench:chain [-- --rounds N] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ChainService, type RoundRecordPayload } from '../coordinator/chain/chain-service'
import { ChainStore } from '../coordinator/chain/chain-store'
import { wholeStateRoot } from '../shared/chain/block'
import { generateKeyPair } from '../shared/chain/keys'
import { StateCommitment, stateChanges } from '../shared/chain/state-commitment'

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}
const ROUNDS = Number(flag('--rounds') ?? 5000)
const JSON_OUT = args.includes('--json')
const MARKS = [50, 1000, 5000].filter((m) => m <= ROUNDS)
const WINDOW = 50
const TASK = 'bench-task'

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const participants = Array.from({ length: 3 }, () => generateKeyPair().address)

function payload(round: number): RoundRecordPayload {
  return {
    taskId: TASK,
    modelRound: round,
    run: 1,
    modelBefore: round.toString(16).padStart(64, '0'),
    modelAfter: (round + 1).toString(16).padStart(64, '0'),
    participants: participants.map((address, i) => ({
      address,
      updateHash: (round * 7 + i).toString(16).padStart(64, '0'),
      examples: 100 + i,
      verdict: 'accepted' as const,
      weight: 100 + i,
      score: 0.9,
    })),
    metrics: { loss: 0.3, accuracy: 0.9, evaluated: 3 },
    privacy: { mode: 'off' },
    homomorphic: false,
    rewardPerExample: 0,
  }
}

/** Records ROUNDS rounds on a chain in `dataDir` (null: in memory); block times at the marks, in figures. */
function record(
  dataDir: string | null,
  label: string,
  figures: Record<string, number>,
  rounds = ROUNDS,
): ChainService {
  const chain = ChainService.open({ dataDir, chainId: 'bench', faucetAmount: 100 })
  const registered = chain.submitOwn('training.register-task', {
    taskId: TASK,
    name: 'bench',
    configHash: 'e'.repeat(64),
  })
  if (!registered.ok) throw new Error(registered.error.message)
  const times: number[] = []
  for (let round = 1; round <= rounds; round++) {
    const t0 = performance.now()
    const recorded = chain.recordRound(payload(round))
    times.push(performance.now() - t0)
    if (!recorded.ok) throw new Error(`round ${round}: ${recorded.error.message}`)
    if (!label || !MARKS.includes(round)) continue
    const blockMs = median(times.slice(-WINDOW))
    figures[`${label}_block_ms_${round}`] = blockMs
    let line = `${label}, round ${round}: block ${blockMs.toFixed(2)} ms (median of the last ${WINDOW})`
    if (dataDir === null) {
      const w0 = performance.now()
      wholeStateRoot(chain.state)
      const wholeMs = performance.now() - w0
      // One new round record against the commitment as it stands: a block's incremental work.
      const before = StateCommitment.EMPTY.apply(stateChanges(null, chain.state))
      const i0 = performance.now()
      before.apply([[`rounds/${round - 1}`, chain.state.rounds.at(-1)]])
      const incrementalMs = performance.now() - i0
      figures[`whole_state_root_ms_${round}`] = wholeMs
      figures[`incremental_root_ms_${round}`] = incrementalMs
      line += `; state root as before issue 17 ${wholeMs.toFixed(2)} ms, incremental ${incrementalMs.toFixed(3)} ms`
    }
    if (!JSON_OUT) console.log(line)
  }
  if (!label) return chain
  const first = MARKS[0]!
  const last = MARKS.at(-1)!
  figures[`${label}_block_ratio`] =
    figures[`${label}_block_ms_${last}`]! / figures[`${label}_block_ms_${first}`]!
  if (!JSON_OUT)
    console.log(
      `${label}: block time at round ${last} / round ${first}: ${figures[`${label}_block_ratio`]!.toFixed(2)}x (target: at most 1.2x)`,
    )
  return chain
}

const figures: Record<string, number> = {}
// Warm-up (JIT), so round 50 is not measured on cold code.
record(null, '', figures, 300)
// In memory, three chains one after another: a block takes a millisecond or two, so a collection of the growing heap
// landing in one window moves its median; each mark's figure is the median of the three.
const runs = [1, 2, 3].map((run) => {
  const own: Record<string, number> = {}
  record(null, `memory run ${run}`, own)
  return own
})
for (const mark of MARKS) {
  const key = (label: string) => `${label}_block_ms_${mark}`
  figures[key('memory')] = median(runs.map((own, i) => own[key(`memory run ${i + 1}`)]!))
  for (const name of ['whole_state_root_ms_', 'incremental_root_ms_'])
    figures[`${name}${mark}`] = median(runs.map((own) => own[`${name}${mark}`]!))
}
figures.memory_block_ratio =
  figures[`memory_block_ms_${MARKS.at(-1)}`]! / figures[`memory_block_ms_${MARKS[0]}`]!
if (!JSON_OUT)
  console.log(
    `memory, median of 3 chains: block ${MARKS.map((m) => `${figures[`memory_block_ms_${m}`]!.toFixed(2)} ms at round ${m}`).join(', ')}; round ${MARKS.at(-1)} / round ${MARKS[0]}: ${figures.memory_block_ratio.toFixed(2)}x (target: at most 1.2x)`,
  )
const dir = mkdtempSync(join(tmpdir(), 'privx-chain-bench-'))
try {
  const chain = record(dir, 'disk', figures)
  const s0 = performance.now()
  const reopened = ChainService.open({ dataDir: dir, chainId: 'bench', faucetAmount: 100 })
  figures.startup_ms = performance.now() - s0
  if (reopened.blocks.length !== chain.blocks.length) throw new Error('the reopened chain lost blocks')
  const f0 = performance.now()
  const full = new ChainStore(dir).load()
  figures.full_verify_ms = performance.now() - f0
  if (!full.ok) throw new Error(`full verification failed: ${full.fault.message}`)
  figures.height = chain.blocks.length
  if (JSON_OUT) console.log(JSON.stringify(figures))
  else
    console.log(
      `start-up at ${figures.height} blocks: ${(figures.startup_ms / 1000).toFixed(2)} s from the state snapshot; full replay from genesis (privx verify) ${(figures.full_verify_ms / 1000).toFixed(2)} s`,
    )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
