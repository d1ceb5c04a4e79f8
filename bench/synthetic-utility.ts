/**
 * The two kinds of market copy side by side in one run, on the built-in medical data (GENERATORS.medical, 2,000
 * rows, 80% to copy from, 20% held out): per-row local DP (`anonymizedCopy`) against MST synthetic data
 * (`syntheticCopy`) at epsilon 1, 2 and 8. For each: the mean total-variation distance of every 1- and 2-way
 * marginal against the rows copied, and the held-out accuracy of a logistic model trained on the copy, beside the
 * majority baseline and a model trained on the real rows. Means over REPEATS seeds. Run: npm run bench:synthetic
 */
import { DataHandler } from '../shared/data/data-handler'
import { GENERATORS } from '../shared/data/generators'
import { copyKindUtility, majorityShare, splitFrame } from '../shared/market/copy-utility'
import { readDatasetFrame } from '../shared/market/dataset-frame'
import { COPY_KINDS } from '../shared/market/types'
import { accuracy, encodeRows, trainLogistic } from '../shared/model/logistic'
import { seededRandom } from '../shared/random'

const ROWS = 2000
const REPEATS = 8
const EPSILONS = [1, 2, 8]

const table = DataHandler.generate(GENERATORS.medical, ROWS, 7)
const frame = readDatasetFrame(DataHandler.toCsv(table), table.schema).frame
const { train, heldOut } = splitFrame(frame, 0.2, seededRandom(1))
const schema = table.schema
const real = accuracy(
  trainLogistic(encodeRows(train, schema), schema.label.classes.length),
  encodeRows(heldOut, schema),
)
const pct = (v: number) => `${(v * 100).toFixed(1)}%`

console.log(
  `\nCopies of "${GENERATORS.medical.name}" (${ROWS} rows, ${heldOut.get(schema.label.name)!.length} held out): ` +
    `majority baseline ${pct(majorityShare(heldOut, schema))}, trained on the real rows ${pct(real)}; mean of ${REPEATS} seeds\n`,
)
const rows: string[][] = [['epsilon', 'copy', 'marginal error (TV)', 'held-out accuracy', 'ms']]
for (const epsilon of EPSILONS) {
  for (const kind of COPY_KINDS) {
    let error = 0
    let acc = 0
    const started = performance.now()
    for (let seed = 0; seed < REPEATS; seed++) {
      const u = copyKindUtility(train, heldOut, schema, epsilon, kind, seededRandom(100 + seed))
      error += u.marginalError / REPEATS
      acc += u.accuracy / REPEATS
    }
    const ms = (performance.now() - started) / REPEATS
    rows.push([String(epsilon), kind, error.toFixed(3), pct(acc), ms.toFixed(0)])
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '))
