/**
 * An in-memory masked round for the tests: real clients and a real server, messages passed by hand, and dropouts
 * at chosen points. Not a test file itself.
 */

import type { Result } from '../../../shared/result'
import { SecAggClient } from '../../../shared/secagg/client'
import type { ClientId } from '../../../shared/secagg/graph'
import { planSecAggRound, type SecAggParams, type SecAggSettings } from '../../../shared/secagg/params'
import { randomBytes } from '../../../shared/secagg/random'
import type { Abandonment, SecAggOutcome } from '../../../shared/secagg/round-report'
import { SecAggServer } from '../../../shared/secagg/server'

export interface Dropouts {
  /** Never advertise keys. */
  readonly beforeAdvertising?: readonly ClientId[]
  /** Advertise keys, then vanish (paper: U1 \ U2). */
  readonly afterAdvertising?: readonly ClientId[]
  /** Share keys, then vanish before masked input (U2 \ U3): unmasked through their s^SK shares. */
  readonly afterSharing?: readonly ClientId[]
  /** Send masked input, then never answer the unmasking (U3 \ U4): their input stays in the sum. */
  readonly afterMasking?: readonly ClientId[]
}

export interface SimulatedRound {
  readonly params: SecAggParams
  readonly server: SecAggServer
  readonly clients: ReadonlyMap<ClientId, SecAggClient>
  readonly outcome: Result<SecAggOutcome, Abandonment>
}

export const ids = (n: number): ClientId[] => Array.from({ length: n }, (_, i) => 101 + 7 * i)

export function plan(n: number, vectorLength: number, settings: SecAggSettings = {}): SecAggParams {
  return planSecAggRound(ids(n), vectorLength, `round-${n}-${vectorLength}`, randomBytes(32), settings)
}

const must = <T, E>(result: Result<T, E>, what: string): T => {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result.error)}`)
  return result.value
}

/**
 * Runs a whole round. `input(id)` gives a client's vector: floats go through `maskInput`, a Uint32Array through
 * `maskQuantizedInput`. Stops early (with the abandonment) when a phase closes below threshold.
 */
export async function simulateRound(
  params: SecAggParams,
  input: (id: ClientId) => Float32Array | Uint32Array,
  dropouts: Dropouts = {},
): Promise<SimulatedRound> {
  const server = must(SecAggServer.create(params), 'server')
  const clients = new Map(
    params.clientIds.map((id) => [id, must(SecAggClient.create(params, id), `client ${id}`)]),
  )
  const gone = new Set<ClientId>(dropouts.beforeAdvertising ?? [])
  const done = (outcome: Result<SecAggOutcome, Abandonment>) => ({ params, server, clients, outcome })

  for (const [id, client] of clients) {
    if (!gone.has(id))
      must(server.receiveAdvertiseKeys(id, must(client.advertiseKeys(), 'advertise')), 'receive keys')
  }
  for (const id of dropouts.afterAdvertising ?? []) gone.add(id)
  const shareRequests = server.closeAdvertising()
  if (!shareRequests.ok) return done(shareRequests)
  for (const [id, request] of shareRequests.value) {
    if (gone.has(id)) continue
    must(
      server.receiveShareKeys(id, must(await clients.get(id)!.shareKeys(request), 'share keys')),
      'receive shares',
    )
  }
  for (const id of dropouts.afterSharing ?? []) gone.add(id)
  const maskRequests = server.closeSharing()
  if (!maskRequests.ok) return done(maskRequests)
  for (const [id, request] of maskRequests.value) {
    if (gone.has(id)) continue
    const vector = input(id)
    const client = clients.get(id)!
    const masked =
      vector instanceof Uint32Array
        ? client.maskQuantizedInput(request, vector)
        : client.maskInput(request, vector)
    must(server.receiveMaskedInput(id, must(masked, 'mask')), 'receive masked input')
  }
  for (const id of dropouts.afterMasking ?? []) gone.add(id)
  const unmaskRequests = server.closeMaskedInput()
  if (!unmaskRequests.ok) return done(unmaskRequests)
  for (const [id, request] of unmaskRequests.value) {
    if (gone.has(id)) continue
    must(server.receiveUnmaskResponse(id, must(clients.get(id)!.unmask(request), 'unmask')), 'receive unmask')
  }
  return done(await server.finish())
}
