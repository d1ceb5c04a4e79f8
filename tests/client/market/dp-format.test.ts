import { describe, expect, it } from 'vitest'
import { countsText, meanText, stdText } from '../../../client/components/market/dp-format'
import { dpSummary } from '../../../shared/market/dp-summary'
import type { DpColumnSummary } from '../../../shared/market/types'
import { seededRandom } from '../../../shared/random'
import type { TaskSchema } from '../../../shared/tasks/schema'

const schema: TaskSchema = {
  features: [{ name: 'age', type: 'integer', min: 18, max: 90 }],
  label: { name: 'y', classes: ['no', 'yes'] },
  missing: 'drop-row',
}

describe('DP summary text', () => {
  it('says a variance estimate below zero is below the noise, never a std of 0.00', () => {
    const frame = new Map<string, (number | string)[]>([
      ['age', Array.from({ length: 200 }, () => 50)],
      ['y', Array.from({ length: 200 }, (_, i) => (i % 3 ? 'no' : 'yes'))],
    ])
    const ages = Array.from(
      { length: 30 },
      (_, run) => dpSummary(frame, schema, 0.5, seededRandom(run)).columns[0]!,
    )
    const negative = ages.find((c) => c.variance!.value < 0)!
    expect(stdText(negative)).toMatch(
      /^variance estimate < 0 \(-[\d.]+\): below the noise; std in \[0(\.0+)?, [\d.]+\]$/,
    )
    expect(stdText(negative)).not.toMatch(/0\.00 \[/)
    const positive = ages.find((c) => c.variance!.value > 0)!
    expect(stdText(positive)).toMatch(/^[\d.]+ \[[\d.]+, [\d.]+\]$/)
    expect(meanText(positive)).toMatch(/^[\d.]+ \[[\d.]+, [\d.]+\]$/)
  })

  it('shows counts with their intervals, and older listings without, marked so', () => {
    const old: DpColumnSummary = { name: 'age', kind: 'numeric', mean: 51.2, std: 14.9 }
    expect(meanText(old)).toBe('51.20 (no interval: listed before intervals)')
    expect(stdText(old)).toBe('14.90 (no interval: listed before intervals)')
    expect(
      countsText({
        name: 'y',
        kind: 'categorical',
        histogram: [{ value: 'no', count: 10.4, low: 4.4, high: 16.4 }],
      }),
    ).toBe('no: 10 [4, 16]')
  })
})
