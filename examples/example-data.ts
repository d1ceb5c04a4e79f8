/**
 * Seeded generators of the example CSVs (examples/*.csv, written by `npm run examples`) and of test files.
 * Clinic files: diabetes from routine measurements, a different size and label balance per clinic (non-IID).
 * Fitness files: a three-class task (low, medium, high) from four measurements.
 */
import { samplePatient } from '../client/data/diabetes-demo'
import { csvLine } from '../shared/data/csv-cell'
import { type RandomSource, seededRandom, standardNormal } from '../shared/random'
import type { TaskSchema } from '../shared/tasks/schema'

export const clinicSchema: TaskSchema = {
  features: [
    { name: 'age', type: 'numeric', min: 18, max: 90 },
    { name: 'bmi', type: 'numeric', min: 15, max: 55 },
    { name: 'glucose', type: 'numeric', min: 50, max: 300 },
    { name: 'blood_pressure', type: 'numeric', min: 40, max: 140 },
    { name: 'hba1c', type: 'numeric', min: 4, max: 14 },
    { name: 'activity_hours', type: 'numeric', min: 0, max: 30 },
    { name: 'family_history', type: 'boolean' },
    { name: 'smoker', type: 'boolean' },
    { name: 'region', type: 'categorical', categories: ['north', 'south', 'east', 'west'] },
  ],
  label: { name: 'diabetes', classes: ['no', 'yes'] },
  missing: 'drop-row',
}

export const fitnessSchema: TaskSchema = {
  features: [
    { name: 'resting_hr', type: 'numeric', min: 35, max: 110 },
    { name: 'vo2max', type: 'numeric', min: 15, max: 75 },
    { name: 'weekly_km', type: 'numeric', min: 0, max: 150 },
    { name: 'age', type: 'integer', min: 16, max: 90 },
  ],
  label: { name: 'fitness', classes: ['low', 'medium', 'high'] },
  missing: 'drop-row',
}

const REGIONS = ['north', 'south', 'east', 'west'] as const

/** A clinic's CSV: `rows` patients, `positiveShare` of them with diabetes; an optional extra `notes` column. */
export function clinicCsv(options: {
  seed: number
  rows: number
  positiveShare: number
  notes?: (row: number) => string
}): string {
  const random = seededRandom(options.seed)
  const wantPositive = Math.round(options.rows * options.positiveShare)
  const lines = [
    `age,bmi,glucose,blood_pressure,hba1c,activity_hours,family_history,smoker,region,diabetes${options.notes ? ',notes' : ''}`,
  ]
  let positives = 0
  let negatives = 0
  while (positives + negatives < options.rows) {
    const p = samplePatient(random)
    const take = p.diabetes === 1 ? positives < wantPositive : negatives < options.rows - wantPositive
    if (!take) continue
    if (p.diabetes === 1) positives++
    else negatives++
    const region = REGIONS[Math.floor(random() * REGIONS.length)]!
    const fields = [
      p.age.toFixed(0),
      p.bmi.toFixed(1),
      p.glucose.toFixed(0),
      p.bloodPressure.toFixed(0),
      p.hba1c.toFixed(1),
      p.activityHoursPerWeek.toFixed(1),
      p.familyHistory ? 'yes' : 'no',
      p.smoker ? 'yes' : 'no',
      region,
      p.diabetes ? 'yes' : 'no',
    ]
    if (options.notes) fields.push(options.notes(lines.length))
    lines.push(csvLine(fields))
  }
  return `${lines.join('\n')}\n`
}

function fitnessRow(random: RandomSource, cls: number): string {
  const normal = (mean: number, sd: number): number => mean + sd * standardNormal(random)
  const restingHr = normal([74, 62, 52][cls]!, 7)
  const vo2 = normal([30, 42, 55][cls]!, 5)
  const km = Math.max(0, normal([5, 20, 45][cls]!, 8))
  const age = Math.round(Math.min(90, Math.max(16, normal([52, 40, 32][cls]!, 12))))
  return csvLine([restingHr.toFixed(0), vo2.toFixed(1), km.toFixed(1), age, ['low', 'medium', 'high'][cls]])
}

/** A three-class CSV whose class shares are `shares` (summing to 1). */
export function fitnessCsv(options: {
  seed: number
  rows: number
  shares: readonly [number, number, number]
}): string {
  const random = seededRandom(options.seed)
  const lines = ['resting_hr,vo2max,weekly_km,age,fitness']
  for (let i = 0; i < options.rows; i++) {
    const u = random()
    const cls = u < options.shares[0] ? 0 : u < options.shares[0] + options.shares[1] ? 1 : 2
    lines.push(fitnessRow(random, cls))
  }
  return `${lines.join('\n')}\n`
}
