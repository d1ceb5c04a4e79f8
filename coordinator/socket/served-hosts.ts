import { hostname, networkInterfaces } from 'node:os'
import { defaultNetworkLimits } from './limits'

/**
 * The Host names a coordinator listening on `host` answers to: the loopback names always, the listening address
 * itself, and, when it listens on every interface (0.0.0.0 or ::), this machine's name and each interface's
 * address, so other machines on the network reach it by IP or name. `extra` adds names (a DNS name in front of it).
 */
export function servedHosts(host: string, extra: readonly string[] = []): string[] {
  const names = new Set([...defaultNetworkLimits.allowedHosts, ...extra.map((h) => h.toLowerCase())])
  const bracket = (address: string) => (address.includes(':') ? `[${address}]` : address)
  if (host === '0.0.0.0' || host === '::') {
    names.add(hostname().toLowerCase())
    for (const list of Object.values(networkInterfaces()))
      for (const entry of list ?? []) names.add(bracket(entry.address).toLowerCase())
  } else names.add(bracket(host).toLowerCase())
  return [...names]
}
