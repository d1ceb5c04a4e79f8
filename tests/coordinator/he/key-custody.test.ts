import { describe, expect, it } from 'vitest'
import { KEY_SHARE_ATTEMPTS, KEY_SHARE_TIMEOUT_MS, KeyCustody } from '../../../coordinator/he/key-custody'

/** A custody whose messages are recorded (the coordinator's outbox port) and whose clock the test moves. */
function recordingCustody() {
  const sent: { to: string; event: string; args: unknown[] }[] = []
  const notes: string[] = []
  let now = 0
  const c = new KeyCustody(
    (to, event, ...args) => sent.push({ to, event, args }),
    (_level, text) => notes.push(text),
    () => false,
    () => now,
  )
  c.enable('bfv-8192')
  return { c, sent, notes, key: new ArrayBuffer(65), advance: (ms: number) => (now += ms) }
}

/** Two tabs holding the key (tab-1 generated it, tab-2 received it); the log of the set-up cleared. */
function custody() {
  const rig = recordingCustody()
  const { c, sent, key } = rig
  c.join('tab-1', key)
  const generated = sent.find((s) => s.event === 'he:key-generate')!
  const keyId = (generated.args[0] as { keyId: string }).keyId
  c.confirm('tab-1', keyId)
  c.join('tab-2', key)
  c.confirm('tab-2', keyId)
  sent.length = 0
  return { ...rig, keyId }
}

describe('key delivery is retried until the tab holds the key or is told why not', () => {
  it('an envelope the tab could not open is sealed again by the next holder', () => {
    const { c, sent, keyId, key } = custody()
    c.join('tab-3', key)
    const first = sent.filter((s) => s.event === 'he:key-share')
    expect(first).toHaveLength(1)
    expect(c.failed('tab-3', keyId, 'this tab has not joined yet').ok).toBe(true)
    const shares = sent.filter((s) => s.event === 'he:key-share')
    expect(shares).toHaveLength(2)
    expect(shares[1]!.to).not.toBe(shares[0]!.to)
    // A third try goes back to the first holder only once every holder has failed it.
    c.failed('tab-3', keyId, 'again')
    const third = sent.filter((s) => s.event === 'he:key-share')
    expect(new Set(third.map((s) => s.to)).size).toBe(2)
    expect(c.confirm('tab-3', keyId).ok).toBe(true)
    expect(c.holders).toBe(3)
    expect(third).toHaveLength(3)
  })

  it('an envelope that never comes counts as a failed try after the timeout', () => {
    const { c, sent, key, advance } = custody()
    c.join('tab-3', key)
    advance(KEY_SHARE_TIMEOUT_MS - 1)
    c.expire()
    expect(sent.filter((s) => s.event === 'he:key-share')).toHaveLength(1)
    advance(2)
    c.expire()
    expect(sent.filter((s) => s.event === 'he:key-share')).toHaveLength(2)
  })

  it(`after ${KEY_SHARE_ATTEMPTS} failed tries the tab is told why, and not asked for again`, () => {
    const { c, sent, notes, keyId, key } = custody()
    c.join('tab-3', key)
    for (let i = 0; i < KEY_SHARE_ATTEMPTS; i++)
      expect(c.failed('tab-3', keyId, 'bad envelope').ok).toBe(true)
    const told = sent.filter((s) => s.to === 'tab-3' && s.event === 'notice')
    expect(told).toHaveLength(1)
    expect((told[0]!.args[0] as { text: string }).text).toMatch(
      /could not be delivered to tab-3 in 5 tries \(last: bad envelope\)/,
    )
    expect(notes.at(-1)).toMatch(/sits out encrypted rounds/)
    expect(sent.filter((s) => s.event === 'he:key-share')).toHaveLength(KEY_SHARE_ATTEMPTS)
    // A failure report for a tab not waiting, or for another key, is refused.
    expect(c.failed('tab-3', keyId, 'again').ok).toBe(false)
    expect(c.failed('tab-1', 'f'.repeat(16), 'x').ok).toBe(false)
  })

  it('a reset makes a fresh key: a tab is asked to generate it and the old holders hold nothing', () => {
    const { c, sent, keyId } = custody()
    c.rekey()
    const generate = sent.find((s) => s.event === 'he:key-generate')
    expect(generate).toBeDefined()
    expect((generate!.args[0] as { keyId: string }).keyId).not.toBe(keyId)
    expect(c.holders).toBe(0)
    expect(c.keyId).not.toBe(keyId)
  })
})

describe('a tab asked to generate the key that does not is replaced', () => {
  it('after the timeout, or at once when it reports a failure, another tab generates a fresh key', () => {
    const { c, sent, notes, key, advance } = recordingCustody()
    for (const id of ['tab-1', 'tab-2', 'tab-3']) c.join(id, key)
    const generates = () => sent.filter((s) => s.event === 'he:key-generate')
    expect(generates().map((s) => s.to)).toEqual(['tab-1'])
    advance(KEY_SHARE_TIMEOUT_MS + 1)
    c.expire()
    expect(generates().map((s) => s.to)).toEqual(['tab-1', 'tab-2'])
    expect(notes.some((n) => /tab-1 did not generate encryption key .* \(no key within 20 s\)/.test(n))).toBe(
      true,
    )
    const second = (generates()[1]!.args[0] as { keyId: string }).keyId
    expect(c.failed('tab-2', second, 'SEAL did not load').ok).toBe(true)
    expect(generates().map((s) => s.to)).toEqual(['tab-1', 'tab-2', 'tab-3'])
    const third = (generates()[2]!.args[0] as { keyId: string }).keyId
    expect(new Set([second, third]).size).toBe(2)
    // The first generator's late confirmation of a key that is no longer the task's is refused.
    expect(c.confirm('tab-1', (generates()[0]!.args[0] as { keyId: string }).keyId).ok).toBe(false)
    expect(c.confirm('tab-3', third).ok).toBe(true)
  })
})

describe('signed envelope keys are relayed for the tabs to check', () => {
  it('every tab gets the set of signed keys before the share that needs it; the share names the account', () => {
    const { c, sent } = custody()
    const key = new Uint8Array(65).fill(4)
    c.join('tab-3', key.buffer, { account: 'ab'.repeat(32), signature: 'cd'.repeat(64) })
    const sets = sent.filter((s) => s.event === 'he:key-set')
    expect(sets.map((s) => s.to).sort()).toEqual(['tab-1', 'tab-2', 'tab-3'])
    // tab-1 and tab-2 joined unsigned: only tab-3's entry is in the set (a tab seals only to signed keys).
    expect(sets[0]!.args[0]).toEqual({
      keys: [{ account: 'ab'.repeat(32), envelopeKey: '04'.repeat(65), signature: 'cd'.repeat(64) }],
    })
    const share = sent.findIndex((s) => s.event === 'he:key-share')
    expect(share).toBeGreaterThan(sent.findLastIndex((s) => s.event === 'he:key-set'))
    expect(sent[share]!.args[0]).toMatchObject({ recipient: 'tab-3', recipientAccount: 'ab'.repeat(32) })
    sent.length = 0
    c.leave('tab-3')
    expect(sent.filter((s) => s.event === 'he:key-set').map((s) => s.args[0])).toEqual([
      { keys: [] },
      { keys: [] },
    ])
  })
})
