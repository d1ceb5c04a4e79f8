/**
 * Secure aggregation by masking (issue 18), in one process with no sockets: time and bytes per client for a whole
 * round at n = 10, 50, 100 clients and 10k, 100k parameters, plain SecAgg (complete graph, Bonawitz et al. 2017)
 * against SecAgg+ (k of order log n, Bell et al. 2020), each with its default majority threshold. Clients and
 * server run their real state machines. Node does X25519 and ChaCha20 through OpenSSL; a browser runs them in pure
 * JS (@noble), so a second column estimates a tab's time: the measured time plus, per client, (2k + 2) times the
 * extra cost of a pure-JS X25519 operation and (k + 1) times that of a pure-JS mask of m words (both measured
 * first). Bytes are payload bytes (keys, ciphertexts, shares, masked words, 4 per id), before any wire framing.
 * Each round is checked: the unmasked sum must equal the plain sum word for word.
 *
 * Run: npm run bench:secagg (about two minutes); `-- --sizes 10,50 --params 10000 --dropouts 2` to narrow it or
 * to drop D clients after they shared keys (the server then rebuilds their mask keys).
 */
import { parseArgs } from 'node:util'
import { SecAggClient } from '../shared/secagg/client'
import { planSecAggRound, suggestedNeighbours } from '../shared/secagg/params'
import { expandSeed, expandSeedPure } from '../shared/secagg/prg'
import { planQuantizer } from '../shared/secagg/quantization'
import { randomBytes, randomWords } from '../shared/secagg/random'
import { SecAggServer } from '../shared/secagg/server'
import { MAX_HOLDERS } from '../shared/secagg/shamir'
import { fallback, getPublicKey, getSharedSecret } from '../shared/secagg/x25519'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,50,100' },
    params: { type: 'string', default: '10000,100000' },
    dropouts: { type: 'string', default: '0' },
  },
})
const SIZES = values.sizes.split(',').map(Number)
const PARAMS = values.params.split(',').map(Number)
const DROPOUTS = Number(values.dropouts)

/** Payload bytes of a message: byte arrays at their length, numbers as 4-byte ids, the type tag free. */
function payloadBytes(value: unknown): number {
  if (ArrayBuffer.isView(value)) return value.byteLength
  if (typeof value === 'number') return 4
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + payloadBytes(item), 0)
  if (value instanceof Map)
    return [...value.values()].reduce((sum: number, item) => sum + payloadBytes(item), 0)
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).reduce(
      (sum, [key, item]) => (key === 'type' ? sum : sum + payloadBytes(item)),
      0,
    )
  }
  return 0
}

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: unknown }, what: string): T {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result.error)}`)
  return result.value
}

interface Row {
  n: number
  m: number
  mode: string
  k: number
  t: number
  clientMs: number
  serverMs: number
  upBytes: number
  downBytes: number
  wallMs: number
}

async function round(n: number, m: number, neighbours: number, mode: string): Promise<Row> {
  const started = performance.now()
  const ids = Array.from({ length: n }, (_, i) => i + 1)
  const params = planSecAggRound(ids, m, `bench-${n}-${m}-${mode}`, randomBytes(32), { neighbours })
  const { maxLevel } = planQuantizer(params.clamp, params.bits, n)
  const clientMs = new Map<number, number>(ids.map((id) => [id, 0]))
  const up = new Map<number, number>(ids.map((id) => [id, 0]))
  const down = new Map<number, number>(ids.map((id) => [id, 0]))
  let serverMs = 0
  const onServer = <T>(work: () => T): T => {
    const t0 = performance.now()
    const value = work()
    serverMs += performance.now() - t0
    return value
  }
  const onClient = async <T>(id: number, work: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now()
    const value = await work()
    clientMs.set(id, clientMs.get(id)! + performance.now() - t0)
    up.set(id, up.get(id)! + payloadBytes(value))
    return value
  }
  const deliver = <T>(requests: Map<number, T>) => {
    for (const [id, request] of requests) down.set(id, down.get(id)! + payloadBytes(request))
    return requests
  }

  const server = unwrap(SecAggServer.create(params), 'server')
  const clients = new Map(ids.map((id) => [id, unwrap(SecAggClient.create(params, id), 'client')]))
  for (const [id, client] of clients) {
    const keys = await onClient(id, () => unwrap(client.advertiseKeys(), 'advertise'))
    onServer(() => unwrap(server.receiveAdvertiseKeys(id, keys), 'keys'))
  }
  for (const [id, request] of deliver(
    unwrap(
      onServer(() => server.closeAdvertising()),
      'close 0',
    ),
  )) {
    const shares = await onClient(id, async () => unwrap(await clients.get(id)!.shareKeys(request), 'share'))
    onServer(() => unwrap(server.receiveShareKeys(id, shares), 'shares'))
  }
  const dropped = new Set(ids.slice(0, DROPOUTS))
  const inputs = new Map<number, Uint32Array>()
  for (const [id, request] of deliver(
    unwrap(
      onServer(() => server.closeSharing()),
      'close 1',
    ),
  )) {
    if (dropped.has(id)) continue
    const input = randomWords(m).map((w) => (w % (2 * maxLevel + 1)) - maxLevel)
    inputs.set(id, input)
    const masked = await onClient(id, () =>
      unwrap(clients.get(id)!.maskQuantizedInput(request, input), 'mask'),
    )
    onServer(() => unwrap(server.receiveMaskedInput(id, masked), 'masked'))
  }
  for (const [id, request] of deliver(
    unwrap(
      onServer(() => server.closeMaskedInput()),
      'close 2',
    ),
  )) {
    const answer = await onClient(id, () => unwrap(clients.get(id)!.unmask(request), 'unmask'))
    onServer(() => unwrap(server.receiveUnmaskResponse(id, answer), 'unmask in'))
  }
  const t0 = performance.now()
  const outcome = unwrap(await server.finish(), 'finish')
  serverMs += performance.now() - t0

  const expected = new Uint32Array(m)
  for (const input of inputs.values()) for (let i = 0; i < m; i++) expected[i] = expected[i]! + input[i]!
  if (!Buffer.from(expected.buffer).equals(Buffer.from(outcome.sum.buffer))) throw new Error('wrong sum')

  const mean = (map: Map<number, number>) => [...map.values()].reduce((a, b) => a + b, 0) / map.size
  return {
    n,
    m,
    mode,
    k: params.neighbours,
    t: params.threshold,
    clientMs: mean(clientMs),
    serverMs,
    upBytes: mean(up),
    downBytes: mean(down),
    wallMs: performance.now() - started,
  }
}

const time = (work: () => void, repeats: number) => {
  const t0 = performance.now()
  for (let i = 0; i < repeats; i++) work()
  return (performance.now() - t0) / repeats
}
const seed = randomBytes(32)
const secret = randomBytes(32)
const peer = getPublicKey(randomBytes(32))
const nativeAgreeMs = time(() => getSharedSecret(secret, peer), 100)
const pureAgreeMs = time(() => fallback.getSharedSecret(secret, peer), 50)
const nativeMaskMs = time(() => expandSeed(seed, 100_000, 'pairwise-mask'), 20)
const pureMaskMs = time(() => expandSeedPure(seed, 100_000, 'pairwise-mask'), 20)
/** A tab's estimated time: what Node measured, plus the pure-JS surcharge on its X25519 operations and masks. */
const browserEstimate = (r: Row) =>
  r.clientMs +
  (2 * r.k + 2) * (pureAgreeMs - nativeAgreeMs) +
  (r.k + 1) * (pureMaskMs - nativeMaskMs) * (r.m / 100_000)

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
const benchStarted = performance.now()
console.log(
  '| n | params | protocol | k | t | client ms (Node) | client ms (browser est.) | up / client | down / client | server ms |',
)
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for (const n of SIZES) {
  for (const m of PARAMS) {
    for (const [mode, neighbours] of [
      ['SecAgg', n - 1],
      ['SecAgg+', suggestedNeighbours(n)],
    ] as const) {
      if (mode === 'SecAgg+' && neighbours === n - 1) continue // the same graph
      if (neighbours + 1 > MAX_HOLDERS) {
        console.log(
          `| ${n} | ${m} | ${mode} | ${neighbours} | - | n > ${MAX_HOLDERS}: beyond GF(2^8) Shamir sharing | | | | |`,
        )
        continue
      }
      const r = await round(n, m, neighbours, mode)
      console.log(
        `| ${r.n} | ${r.m} | ${r.mode} | ${r.k} | ${r.t} | ${r.clientMs.toFixed(0)} | ${browserEstimate(r).toFixed(0)} | ${kb(r.upBytes)} | ${kb(r.downBytes)} | ${r.serverMs.toFixed(0)} |`,
      )
    }
  }
}

console.log(
  `\nDropouts after sharing keys: ${DROPOUTS}. X25519: ${nativeAgreeMs.toFixed(2)} ms OpenSSL, ${pureAgreeMs.toFixed(2)} ms` +
    ` @noble/curves; one 100k-word mask: ${nativeMaskMs.toFixed(2)} ms OpenSSL, ${pureMaskMs.toFixed(2)} ms @noble/ciphers.` +
    ` Bench wall time ${((performance.now() - benchStarted) / 1000).toFixed(0)} s.`,
)
