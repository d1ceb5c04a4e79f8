import { arrayRows, defaultSpanLength, forEachSpan, type Rows } from './rows'

/**
 * Krum and Multi-Krum (Blanchard, El Mhamdi, Guerraoui and Stainer 2017, "Machine Learning with Adversaries:
 * Byzantine Tolerant Gradient Descent", section 4). Each update's score is the sum of its squared L2 distances to
 * its n - f - 2 nearest other updates; Krum selects the update of least score, Multi-Krum the m of least scores
 * (and the caller averages them). The guarantee needs n > 2f + 2. Ties go to the lower index, so the selection is
 * deterministic. Time O(n^2 d) for n updates of d values; memory the n x n distance matrix and one span per update.
 */

/** Why Krum cannot run with n updates tolerating f Byzantine ones, or null when it can (n > 2f + 2). */
export function krumPrecondition(n: number, f: number): string | null {
  if (!Number.isInteger(f) || f < 0) return `Krum: f must be a non-negative integer, got ${f}`
  if (n > 2 * f + 2) return null
  return `Krum needs n > 2f + 2 updates: n = ${n} with f = ${f} needs at least ${2 * f + 3}`
}

/** Each update's Krum score: the sum of squared distances to its n - f - 2 nearest others. Throws unless n > 2f + 2. */
export function krumScores(updates: readonly Float32Array[], f: number): number[] {
  const rows = arrayRows(updates, 'Krum')
  return krumScoresOf(rows, f, defaultSpanLength(rows.count, rows.length))
}

/**
 * `krumScores` of rows read `spanLength` coordinates at a time: each pair's squared distance (in float64) is summed
 * over the coordinates in order, span after span, so it is the sum taken over the whole vectors, to the bit.
 */
export function krumScoresOf(rows: Rows, f: number, spanLength: number): number[] {
  const n = rows.count
  const refused = krumPrecondition(n, f)
  if (refused) throw new Error(refused)
  const distances = Array.from({ length: n }, () => new Float64Array(n))
  forEachSpan(rows, spanLength, (_start, _end, spans) => {
    for (let i = 0; i < n; i++) {
      const a = spans[i]!
      const row = distances[i]!
      for (let k = i + 1; k < n; k++) {
        const b = spans[k]!
        let sum = row[k]!
        for (let j = 0; j < a.length; j++) {
          const d = a[j]! - b[j]!
          sum += d * d
        }
        row[k] = sum
      }
    }
  })
  for (let i = 0; i < n; i++) for (let k = i + 1; k < n; k++) distances[k]![i] = distances[i]![k]!
  const neighbours = n - f - 2
  return distances.map((row, i) => {
    const others = row.filter((_, j) => j !== i).sort()
    let score = 0
    for (let k = 0; k < neighbours; k++) score += others[k]!
    return score
  })
}

/** The indices of the m updates of least Krum score, least first (ties: lower index first). */
export function multiKrum(updates: readonly Float32Array[], f: number, m: number): number[] {
  const scores = krumScores(updates, f)
  if (!Number.isInteger(m) || m < 1 || m > updates.length)
    throw new Error(`Multi-Krum: m must be an integer in [1, ${updates.length}], got ${m}`)
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .slice(0, m)
    .map((entry) => entry.index)
}

/** The index of the update Krum selects: the one of least score. */
export function krum(updates: readonly Float32Array[], f: number): number {
  return multiKrum(updates, f, 1)[0]!
}
