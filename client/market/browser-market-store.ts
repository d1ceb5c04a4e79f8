import { get, set } from 'idb-keyval'
import { createEnvelopeKeyPair, type EnvelopeKeyPair } from '../../shared/he/key-envelope'
import type { TaskSchema } from '../../shared/tasks/schema'
import type { KeptCopies } from './kept-copies'

const ENVELOPE_KEY = 'privx:market-envelope'
const rowsKey = (datasetId: string) => `privx:market-rows:${datasetId}`
const copiesKey = (key: string) => `privx:market-copy:${key}`

/**
 * This browser's envelope key pair for bought copies, kept in IndexedDB (the private key as a non-extractable
 * CryptoKey: it can decrypt here and never be read out). A copy bought from this browser opens only here.
 */
export async function browserEnvelopeKeys(): Promise<EnvelopeKeyPair | null> {
  try {
    const stored = await get<EnvelopeKeyPair>(ENVELOPE_KEY)
    if (stored?.privateKey && stored.publicKey) return stored
    const created = await createEnvelopeKeyPair()
    await set(ENVELOPE_KEY, created)
    return created
  } catch {
    // No IndexedDB: a key for this page's life; no WebCrypto (insecure context): none, and copies say why.
    return createEnvelopeKeyPair().catch(() => null)
  }
}

/** A listed dataset's file, kept in this browser only, so its provider can deliver copies later. */
export interface KeptDataset {
  readonly csv: string
  readonly schema: TaskSchema
  readonly fileName: string
}

export async function keepDataset(datasetId: string, kept: KeptDataset): Promise<void> {
  await set(rowsKey(datasetId), kept)
}

export async function keptDataset(datasetId: string): Promise<KeptDataset | null> {
  try {
    return (await get<KeptDataset>(rowsKey(datasetId))) ?? null
  } catch {
    return null
  }
}

/**
 * The copies this browser made as a provider, in IndexedDB beside the files they were made from: kept as long as
 * the data is, so every later sale delivers the same copy. Without IndexedDB, for the page's life.
 */
export function browserKeptCopies(): KeptCopies {
  const fallback = new Map<string, string>()
  return {
    async get(key) {
      try {
        return (await get<string>(copiesKey(key))) ?? fallback.get(key) ?? null
      } catch {
        return fallback.get(key) ?? null
      }
    },
    async keep(key, csv) {
      const kept = await this.get(key)
      if (kept !== null) return kept
      fallback.set(key, csv)
      await set(copiesKey(key), csv).catch(() => undefined)
      return csv
    },
  }
}
