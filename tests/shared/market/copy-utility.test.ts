import { describe, expect, it } from 'vitest'
import { DataHandler } from '../../../shared/data/data-handler'
import { GENERATORS } from '../../../shared/data/generators'
import { marketCopy } from '../../../shared/market/anonymized-copy'
import { copyUtility, majorityShare, splitFrame } from '../../../shared/market/copy-utility'
import { readDatasetFrame } from '../../../shared/market/dataset-frame'
import { accuracy, encodeRows, trainLogistic } from '../../../shared/model/logistic'
import { seededRandom } from '../../../shared/random'
import type { TaskSchema } from '../../../shared/tasks/schema'

const table = DataHandler.generate(GENERATORS.medical, 1500, 11)
const schema = table.schema
const frame = readDatasetFrame(DataHandler.toCsv(table), schema).frame

describe('logistic regression for utility', () => {
  it('encodes rows as the tasks do and learns a separable rule', () => {
    const s: TaskSchema = {
      features: [
        { name: 'x', type: 'numeric', min: 0, max: 10 },
        { name: 'c', type: 'categorical', categories: ['a', 'b'] },
      ],
      label: { name: 'y', classes: ['low', 'high'] },
      missing: 'drop-row',
    }
    const xs = Array.from({ length: 200 }, (_, k) => (k * 10) / 199)
    const data = new Map<string, (number | string)[]>([
      ['x', xs],
      ['c', xs.map((_, k) => (k % 2 ? 'a' : 'b'))],
      ['y', xs.map((x) => (x > 5 ? 'high' : 'low'))],
    ])
    const rows = encodeRows(data, s)
    expect(rows.width).toBe(3)
    expect([...rows.x.subarray(0, 3)]).toEqual([-1, 0, 1])
    const model = trainLogistic(rows, 2, { epochs: 500 })
    expect(accuracy(model, rows)).toBeGreaterThan(0.97)
    expect(accuracy(trainLogistic(rows, 2, { epochs: 0 }), rows)).toBeLessThan(0.6)
  })
})

describe('copy utility', () => {
  it('splits rows without overlap, and measures both kinds of copy', () => {
    const { train, heldOut } = splitFrame(frame, 0.2, seededRandom(1))
    expect(heldOut.get('diabetes')).toHaveLength(300)
    expect(train.get('diabetes')).toHaveLength(1200)
    const utility = copyUtility(frame, schema, 2, seededRandom(2))
    expect(utility.heldOut).toBe(300)
    expect(utility.majority).toBeGreaterThan(0.5)
    const { 'per-row': perRow, synthetic } = utility.kinds
    for (const u of [perRow, synthetic]) {
      expect(u.marginalError).toBeGreaterThanOrEqual(0)
      expect(u.marginalError).toBeLessThanOrEqual(1)
    }
    // At epsilon 2 the synthetic copy keeps the marginals far better and beats the majority class.
    expect(synthetic.marginalError).toBeLessThan(perRow.marginalError / 2)
    expect(synthetic.accuracy).toBeGreaterThan(utility.majority)
    // The same seed splits the same way: the majority share is that of these held-out rows.
    const same = splitFrame(frame, 0.2, seededRandom(2)).heldOut
    expect(majorityShare(same, schema)).toBeCloseTo(utility.majority, 3)
  })

  it('makes either kind of copy and reports the epsilon spent', () => {
    for (const kind of ['per-row', 'synthetic'] as const) {
      const copy = marketCopy(frame, schema, 1.5, kind, seededRandom(3))
      expect(copy.epsilon).toBeCloseTo(1.5, 12)
      expect(copy.csv.split(/\r?\n/)[0]).toBe([...frame.keys()].join(','))
    }
  })
})
