import { describe, expect, it } from 'vitest'
import { readCsv } from '../../client/data/csv/read-csv'
import { diabetesSplit, generateDiabetesPartition, samplePatient } from '../../client/data/diabetes-demo'
import { clinicCsv, clinicSchema } from '../../examples/example-data'
import type { TaskInfo } from '../../shared/protocol'
import { seededRandom } from '../../shared/random'
import { csvTask } from '../../shared/tasks/csv-task'
import { DIABETES_FEATURES, diabetesDemoTask } from '../../shared/tasks/diabetes-demo'
import {
  decodeModelRow,
  encodeRawRow,
  featureFields,
  fromText,
  type RawValue,
} from '../../shared/tasks/feature-encoding'
import type { TaskSchema } from '../../shared/tasks/schema'

const demo = diabetesDemoTask('logistic', 7)
const taskOf = (schema: TaskSchema): TaskInfo =>
  csvTask('t', { name: 't', description: '', schema, model: { kind: 'logistic', hidden: [4] } })
const clinic = taskOf(clinicSchema)

/** A clinic CSV line in its own units, read by hand (no quoting in these files). */
function rawOf(line: string): RawValue[] {
  const cells = line.split(',')
  return clinicSchema.features.map((column, i) => {
    const cell = cells[i]!
    if (column.type === 'boolean') return cell === 'yes'
    if (column.type === 'categorical') return cell
    return Number(cell)
  })
}

const encoded = (task: TaskInfo, raw: readonly RawValue[]): number[] => {
  const result = encodeRawRow(task, raw)
  if (!result.ok) throw new Error(JSON.stringify(result.problems))
  return result.value
}

describe('real units to model inputs', () => {
  it('encodes a CSV row exactly as the training rows read from the file', async () => {
    const text = clinicCsv({ seed: 11, rows: 60, positiveShare: 0.4 })
    const { rows } = await readCsv(text, 'clinic.csv', clinicSchema)
    expect(rows?.count).toBe(60)
    const lines = text.trim().split('\n').slice(1)
    for (const [r, line] of lines.entries()) {
      const mine = Float32Array.from(encoded(clinic, rawOf(line)))
      expect(mine).toEqual(rows!.x.subarray(r * rows!.width, (r + 1) * rows!.width))
    }
  })

  it('encodes a demo patient exactly as the generator standardises its rows', () => {
    const random = seededRandom(5)
    const patients = Array.from({ length: 40 }, () => samplePatient(random))
    const split = diabetesSplit(patients)
    const d = DIABETES_FEATURES.length
    for (const [r, p] of patients.entries()) {
      const raw = DIABETES_FEATURES.map((name, i) => (i >= 6 ? p[name] === 1 : p[name]))
      expect(Float32Array.from(encoded(demo, raw))).toEqual(split.x.subarray(r * d, (r + 1) * d))
    }
  })

  it('reads age 60, bmi 31, glucose 150 as a few deviations, not as 60, 31 and 150', () => {
    const raw: RawValue[] = [60, 31, 150, 80, 6, 3, false, false]
    const row = encoded(demo, raw)
    expect(row[0]).toBeCloseTo(0.8, 6)
    expect(row[1]).toBeCloseTo(3.5 / 5.5, 6)
    expect(row[2]).toBeCloseTo(50 / 22, 6)
    expect(Math.max(...row.map(Math.abs))).toBeLessThan(3)
  })

  it('refuses a value outside its declared range, naming the field (training would clip it)', () => {
    const demoRow: RawValue[] = [150, 31, 150, 80, 6, 3, false, false]
    expect(encodeRawRow(demo, demoRow)).toEqual({
      ok: false,
      problems: [{ field: 'age', message: '150 is outside its declared range [18, 90]' }],
    })
    const clinicRow: RawValue[] = [60, 31, 400, 80, 6, 3.5, true, false, 'up']
    const result = encodeRawRow(clinic, clinicRow)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.problems).toEqual([
      { field: 'glucose', message: '400 is outside its declared range [50, 300]' },
      { field: 'region', message: '"up" is not one of north, south, east, west' },
    ])
  })

  it('refuses text that is not a number, a fraction for an integer, and missing values the task drops', () => {
    const schema: TaskSchema = {
      features: [
        { name: 'visits', type: 'integer', min: 0, max: 50 },
        { name: 'weight', type: 'numeric', min: 30, max: 200 },
      ],
      label: { name: 'y', classes: ['0', '1'] },
      missing: 'drop-row',
    }
    const task = taskOf(schema)
    const [visits, weight] = featureFields(task)
    const raw = [fromText(visits!, '2.5'), fromText(weight!, 'heavy')]
    expect(encodeRawRow(task, raw)).toEqual({
      ok: false,
      problems: [
        { field: 'visits', message: '2.5 is not a whole number' },
        { field: 'weight', message: '"heavy" is not a number' },
      ],
    })
    const missing = encodeRawRow(task, [fromText(visits!, ''), 70])
    expect(!missing.ok && missing.problems[0]?.field).toBe('visits')
  })

  it('imputes a missing value as training does when the schema imputes', async () => {
    const schema: TaskSchema = { ...clinicSchema, missing: 'impute' }
    const { rows } = await readCsv(
      'age,bmi,glucose,blood_pressure,hba1c,activity_hours,family_history,smoker,region,diabetes\n' +
        'NA,31,150,80,6,,NA,no,,yes\n',
      'c.csv',
      schema,
    )
    const mine = encoded(taskOf(schema), [null, 31, 150, 80, 6, null, null, false, null])
    expect(Float32Array.from(mine)).toEqual(rows!.x)
  })

  it('decodes a held-out row into its own units, which encode back to the same inputs', async () => {
    const part = generateDiabetesPartition({ index: 1, seed: 3 })
    const d = part.features
    for (let r = 0; r < part.test.count; r++) {
      const row = Array.from(part.test.x.subarray(r * d, (r + 1) * d))
      const raw = decodeModelRow(demo, row)
      expect(typeof raw[0]).toBe('number')
      expect(typeof raw[6]).toBe('boolean')
      const back = encoded(demo, raw)
      for (const [i, v] of back.entries()) expect(Math.abs(v - row[i]!)).toBeLessThan(1e-3)
    }
    const text = clinicCsv({ seed: 3, rows: 30, positiveShare: 0.5 })
    const { rows } = await readCsv(text, 'clinic.csv', clinicSchema)
    const lines = text.trim().split('\n').slice(1)
    for (const [r, line] of lines.entries()) {
      const row = Array.from(rows!.x.subarray(r * rows!.width, (r + 1) * rows!.width))
      const raw = decodeModelRow(clinic, row)
      const original = rawOf(line)
      for (const [i, v] of raw.entries()) {
        if (typeof v === 'number') expect(v).toBeCloseTo(original[i] as number, 2)
        else expect(v).toBe(original[i])
      }
    }
  })
})
