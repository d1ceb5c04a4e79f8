import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fetchAccount, sendTransaction } from '../../client/session/chain-client'
import { verifyCommand } from '../../coordinator/chain/verify-command'
import { generateKeyPair } from '../../shared/chain/keys'
import { signTransaction } from '../../shared/chain/transaction'
import { weightsDigest } from '../../shared/model/version'
import { readyCount, startTestCoordinator, useTestFederation, waitForReady } from '../helpers/coordinator'
import { waitFor } from '../helpers/wait'

const run = useTestFederation()

describe('training on the chain', () => {
  it('records one block per round with participants and model hashes, and resumes from it after a restart mid-run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'privx-data-'))
    const keys = [0, 1, 2].map(() => generateKeyPair())
    // Four rounds planned, long enough that the coordinator can be stopped while round 3 runs.
    let coordinator = await run.start({ dataDir, config: { rounds: 4, minClients: 3, localEpochs: 5 } })
    const port = coordinator.port
    for (const k of keys) await run.addClient({ backend: 'cpu', keys: k })
    await waitForReady(coordinator.federation, 3)
    coordinator.federation.control('start')
    await waitFor(() => coordinator.federation.state.completedRounds === 2, '2 rounds')
    await waitFor(() => coordinator.federation.state.round?.number === 3, 'round 3 to be under way')

    const chain = coordinator.chain
    // genesis, task registration, then one block per round.
    expect(chain.blocks.map((b) => b.transactions.map((t) => t.body.type).join())).toEqual([
      'chain.genesis',
      'training.register-task',
      'training.record-round',
      'training.record-round',
    ])
    const [first, second] = chain.state.rounds
    expect(first).toMatchObject({ taskId: 'demo-diabetes', round: 1, homomorphic: false })
    expect(second!.modelBefore).toBe(first!.modelAfter)
    expect(second!.modelAfter).toBe(weightsDigest(coordinator.federation.global.weights))
    expect(second!.participants.map((p) => p.address).sort()).toEqual(keys.map((k) => k.address).sort())
    expect(second!.participants.every((p) => /^[0-9a-f]{64}$/.test(p.updateHash) && p.examples > 100)).toBe(
      true,
    )
    expect(chain.verify()).toEqual({ ok: true, height: 4 })
    const proof = chain.proof(chain.blocks[3]!.transactions[0]!.id)
    expect(proof.ok && proof.value.valid).toBe(true)
    expect(verifyCommand(dataDir)).toBe(0)

    // Stop mid-run (round 3 unfinished), restart on the same port and data directory: model and round come back.
    expect(coordinator.federation.state.completedRounds).toBe(2)
    await run.stop()
    coordinator = await run.start({ port, dataDir, config: { rounds: 4, minClients: 3, localEpochs: 1 } })
    expect(coordinator.federation.global.round).toBe(2)
    expect(weightsDigest(coordinator.federation.global.weights)).toBe(second!.modelAfter)
    await waitFor(() => readyCount(coordinator.federation) === 3, 'the clients to reconnect', 30_000)
    coordinator.federation.control('start')
    await waitFor(() => coordinator.federation.state.completedRounds === 4, 'rounds 3 and 4')
    const rounds = coordinator.chain.state.rounds.toArray()
    expect(rounds.map((r) => r.round)).toEqual([1, 2, 3, 4])
    expect(rounds[2]!.modelBefore).toBe(second!.modelAfter)
    expect(coordinator.chain.verify()).toEqual({ ok: true, height: 6 })
  }, 120_000)

  it('refuses to start on a tampered chain, naming the block', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'privx-data-'))
    const first = await startTestCoordinator({ dataDir })
    await first.close()
    const { readFileSync, writeFileSync } = await import('node:fs')
    const path = join(dataDir, 'blocks.jsonl')
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        '"name":"Diabetes risk (built-in demo)"',
        '"name":"Diabetes risk (tampered)"',
      ),
    )
    await expect(startTestCoordinator({ dataDir })).rejects.toThrow(
      /^the stored chain is invalid at block 1 \(transaction\)/,
    )
  })
})

describe('rewards and participants’ own transactions', () => {
  it('pays each participant per example from the escrow, and takes or refuses signed transactions with the reason', async () => {
    const keys = [0, 1, 2].map(() => generateKeyPair())
    const coordinator = await run.start({
      config: { rounds: 1, minClients: 3, localEpochs: 1, rewardPerExample: 2 },
    })
    expect(coordinator.chain.fundTask('demo-diabetes', 10_000)).toEqual({
      ok: true,
      value: { escrow: 10_000 },
    })
    for (const k of keys) await run.addClient({ backend: 'cpu', keys: k })
    await waitForReady(coordinator.federation, 3)
    coordinator.federation.control('start')
    await waitFor(() => coordinator.federation.state.completedRounds === 1, 'a round')
    const state = coordinator.chain.state
    const record = state.rounds.at(0)!
    // Each counted update is paid per example its capped weight stands for, times its contribution score.
    const earned = (p: (typeof record.participants)[number]) =>
      Math.floor(2 * (p.weight ?? 0) * (p.score ?? 0))
    for (const k of keys) {
      const mine = record.participants.find((p) => p.address === k.address)!
      expect(mine).toMatchObject({
        verdict: expect.stringMatching(/^(accepted|clipped)$/),
        weight: mine.examples,
      })
      expect(mine.score).toBeGreaterThan(0)
      expect(state.accounts[k.address]!.balance).toBe(earned(mine))
    }
    const paid = record.participants.reduce((s, p) => s + earned(p), 0)
    expect(paid).toBeGreaterThan(0)
    expect(state.tasks['demo-diabetes']!.escrow).toBe(10_000 - paid)

    // A participant claims the faucet over its socket; a second claim and a replay are refused, saying why.
    const socket = run.clients[0]!.socket
    const claimed = await sendTransaction(socket, keys[0]!, 'token.claim', {})
    expect(claimed).toMatchObject({ ok: true, value: { block: expect.any(Number) } })
    const again = await sendTransaction(socket, keys[0]!, 'token.claim', {})
    expect(again).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: expect.stringMatching(/already claimed/) },
    })
    const account = await fetchAccount(socket, keys[0]!.address)
    expect(account.ok && account.value.balance).toBe(
      earned(record.participants.find((p) => p.address === keys[0]!.address)!) + 100,
    )
    const tx = signTransaction(keys[1]!, {
      chainId: 'privx-local',
      nonce: 0,
      type: 'token.claim',
      payload: {},
      timestamp: Date.now(),
    })
    const raw = socket.timeout(5000) as unknown as {
      emitWithAck(event: string, tx: unknown): Promise<unknown>
    }
    const send = (t: typeof tx) => raw.emitWithAck('client:transaction', t)
    expect(await send(tx)).toMatchObject({ ok: true })
    expect(await send(tx)).toMatchObject({ ok: false, error: { code: 'replay' } })
    expect(coordinator.chain.verify()).toMatchObject({ ok: true })
  })
})

describe('the chain across a reset', () => {
  it('keeps recording after the page resets training: record numbers go on, model rounds restart', async () => {
    const coordinator = await run.start({ config: { rounds: 1, minClients: 2, localEpochs: 1 } })
    await run.addClients(2, { backend: 'cpu' })
    await waitForReady(coordinator.federation, 2)
    const federation = coordinator.federation
    federation.control('start')
    await waitFor(() => federation.state.completedRounds === 1, 'the first run')
    federation.control('reset')
    federation.control('start')
    await waitFor(
      () => federation.state.completedRounds === 1 && coordinator.chain.state.rounds.length === 2,
      'the run after the reset',
    )
    expect(coordinator.chain.state.rounds.map((r) => [r.round, r.modelRound])).toEqual([
      [1, 1],
      [2, 1],
    ])
    expect(federation.log.entries.some((e) => /could not be recorded/.test(e.text))).toBe(false)
  })
})
