/**
 * The platform's own crypto where it is there to be called synchronously: `node:crypto` in Node (reached through
 * `process.getBuiltinModule`, Node >= 20.16, so no bundler sees an import of it), null in a browser. The callers
 * (`sha256.ts`, `ed25519.ts`) fall back to the audited pure-JS libraries (@noble) where it is null; both paths give
 * the same bytes (tests/shared/crypto/native-crypto.test.ts).
 */
export type NodeCrypto = typeof import('node:crypto')

function loadNodeCrypto(): NodeCrypto | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    return (proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined) ?? null
  } catch {
    return null
  }
}

export const nodeCrypto: NodeCrypto | null = loadNodeCrypto()
