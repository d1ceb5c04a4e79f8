/**
 * Mironov's floating-point attack (2012) on the market's anonymized copies, before and after the discrete
 * mechanisms: ages 0 to 100 (an integer column, range 100) anonymized at epsilon 1, one column, so the Laplace scale
 * is 100. "Before" is the old mechanism, x + laplaceNoise(100) in doubles (shared/privacy/noise.ts); "after" is
 * privatizeDataFrame now: the age on a grid of 1 plus discrete Laplace noise (Canonne, Kamath and Steinke 2020).
 * For each noised value: does it rule out a neighbouring age (x - 1 or x + 1) with certainty, and what share of the
 * 101 candidate ages does it rule out? Run: npx tsx bench/mironov.ts [samples]
 */
import { type ColumnPrivacy, columnNoise, privatizeDataFrame } from '../shared/privacy/dataframe'
import { laplaceNoise } from '../shared/privacy/noise'
import { seededRandom } from '../shared/random'
import { floatReachable, gridReachable, type MironovFigures, mironovFigures } from './support/mironov'

const SAMPLES = Number(process.argv[2] ?? 2000)
const EPSILON = 1
const LOWER = 0
const UPPER = 100
const column = {
  column: 'age',
  kind: 'numeric',
  lower: LOWER,
  upper: UPPER,
  integer: true,
  mechanism: 'laplace',
} as const satisfies ColumnPrivacy

const pick = seededRandom(2012)
const ages = Array.from({ length: SAMPLES }, () => LOWER + Math.floor(pick() * (UPPER - LOWER + 1)))

// Before: the float mechanism, with crypto randomness as it ran in production.
const scale = (UPPER - LOWER) / EPSILON
const before = mironovFigures(
  ages.map((x) => [x, x + laplaceNoise(scale)] as const),
  LOWER,
  UPPER,
  (y, x) => floatReachable(y, x, scale),
)

// After: privatizeDataFrame itself, crypto randomness (its default).
const copy = privatizeDataFrame(new Map([['age', ages]]), [column], { epsilon: EPSILON }).frame.get(
  'age',
) as number[]
const noise = columnNoise(column, EPSILON, 0)
if (noise.kind !== 'laplace') throw new Error('expected Laplace')
const after = mironovFigures(
  ages.map((x, i) => [x, copy[i]!] as const),
  LOWER,
  UPPER,
  (y, x) => gridReachable(y, x, column, noise.scale),
)

const pct = (v: number) => `${(v * 100).toFixed(1)}%`
const row = (name: string, f: MironovFigures) =>
  `| ${name} | ${f.outputs} | ${pct(f.ruleOutNeighbour)} | ${pct(f.candidatesRuledOut)} | ${f.unexplained} |`
console.log(`Ages ${LOWER}..${UPPER}, epsilon ${EPSILON} (scale ${scale}), ${SAMPLES} noised values each\n`)
console.log(
  '| mechanism | outputs | rule out a neighbouring age | candidate ages ruled out (mean) | unexplained |',
)
console.log('| --- | ---: | ---: | ---: | ---: |')
console.log(row('float Laplace (before)', before))
console.log(row('grid + discrete Laplace (now)', after))
