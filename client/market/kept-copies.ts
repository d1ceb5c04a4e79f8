import type { CopyKind } from '../../shared/market/types'

/**
 * The anonymized copies a provider made, kept where its data is kept, so that a copy is made once per (dataset,
 * kind, epsilon) and every later sale delivers the same bytes (the chain charges the budget once for it).
 */
export interface KeptCopies {
  get(key: string): Promise<string | null>
  /** Keeps `csv` under `key` unless a copy is kept there already; resolves to the copy kept. */
  keep(key: string, csv: string): Promise<string>
}

/** A kept copy's key: the listing's transaction id (unique to one listing on one chain), the kind and epsilon. */
export const copyKey = (listingTxId: string, kind: CopyKind, epsilon: number): string =>
  `${listingTxId}/${kind}/${epsilon}`

/** Copies kept for this process's life (the CLI, tests); a page keeps them in IndexedDB. */
export function memoryCopies(): KeptCopies {
  const kept = new Map<string, string>()
  return {
    get: async (key) => kept.get(key) ?? null,
    keep: async (key, csv) => {
      if (!kept.has(key)) kept.set(key, csv)
      return kept.get(key)!
    },
  }
}
