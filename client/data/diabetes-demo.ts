import type { Partition } from '../../shared/protocol'
import { type RandomSource, seededRandom, standardNormal } from '../../shared/random'
import {
  DIABETES_FEATURES,
  DIABETES_RANGES,
  standardizeDiabetesFeature,
} from '../../shared/tasks/diabetes-demo'
import type { Dataset, Split } from './dataset'

type Feature = (typeof DIABETES_FEATURES)[number]
/** A value clipped to the feature's declared range. */
const clamp = (v: number, name: Feature): number =>
  Math.min(DIABETES_RANGES[name].max, Math.max(DIABETES_RANGES[name].min, v))
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

export type Patient = Record<Feature, number> & { diabetes: 0 | 1 }

/** One synthetic patient. Correlations loosely follow clinical risk factors; the numbers are illustrative. */
export function samplePatient(random: RandomSource): Patient {
  const normal = (mean: number, std: number): number => mean + std * standardNormal(random)
  const age = clamp(normal(48, 15), 'age')
  const bmi = clamp(normal(27.5 + 0.03 * (age - 48), 5.5), 'bmi')
  const activityHoursPerWeek = clamp(-Math.log(1 - random()) * 4, 'activityHoursPerWeek')
  const familyHistory = random() < 0.28 ? 1 : 0
  const smoker = random() < 0.2 ? 1 : 0
  const glucose = clamp(
    normal(95 + 0.9 * (bmi - 27.5) + 0.25 * (age - 48) + 6 * familyHistory, 18),
    'glucose',
  )
  const hba1c = clamp(normal(5.3 + 0.025 * (glucose - 95), 0.45), 'hba1c')
  const bloodPressure = clamp(normal(76 + 0.4 * (bmi - 27.5) + 0.2 * (age - 48), 10), 'bloodPressure')
  const logit =
    -1.3 +
    0.035 * (age - 48) +
    0.09 * (bmi - 27.5) +
    0.03 * (glucose - 95) +
    0.9 * (hba1c - 5.3) +
    0.8 * familyHistory +
    0.35 * smoker -
    0.06 * (activityHoursPerWeek - 4) +
    0.01 * (bloodPressure - 76)
  // Doubling the logit makes the label follow the risk factors closely (less label noise), so a model can clearly
  // beat the majority class: what a demo should show.
  const diabetes = random() < sigmoid(2 * logit) ? 1 : 0
  return { age, bmi, glucose, bloodPressure, hba1c, activityHoursPerWeek, familyHistory, smoker, diabetes }
}

/** Rows and positive share for a partition: they differ from tab to tab (label skew, unequal sizes). */
export function partitionShape(index: number): { rows: number; positiveShare: number } {
  return { rows: 240 + ((index * 3) % 5) * 80, positiveShare: 0.15 + ((index * 7) % 10) * 0.045 }
}

/**
 * Generates partition `index` of the demo task: its own rows (seeded by the task seed and the index) and its
 * own label balance, standardised with the task's declared scaling, split 80/20 into train and held-out.
 */
export function generateDiabetesPartition(partition: Partition, testShare = 0.2): Dataset {
  const random = seededRandom((partition.seed ^ Math.imul(partition.index + 1, 0x9e3779b1)) >>> 0)
  const { rows, positiveShare } = partitionShape(partition.index)
  const wantPositive = Math.round(rows * positiveShare)
  const patients: Patient[] = []
  let positives = 0
  let negatives = 0
  // Rejection sampling to the partition's label balance: P(features | label) stays the same in every tab.
  while (positives + negatives < rows) {
    const patient = samplePatient(random)
    if (patient.diabetes === 1 && positives < wantPositive) {
      patients.push(patient)
      positives++
    } else if (patient.diabetes === 0 && negatives < rows - wantPositive) {
      patients.push(patient)
      negatives++
    }
  }
  for (let i = patients.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[patients[i], patients[j]] = [patients[j]!, patients[i]!]
  }
  const testCount = Math.round(rows * testShare)
  return {
    features: DIABETES_FEATURES.length,
    classes: 2,
    test: diabetesSplit(patients.slice(0, testCount)),
    train: diabetesSplit(patients.slice(testCount)),
  }
}

/** Patients as the model reads them: each feature standardised (`standardizeDiabetesFeature`), in float32. */
export function diabetesSplit(patients: readonly Patient[]): Split {
  const d = DIABETES_FEATURES.length
  const x = new Float32Array(patients.length * d)
  const y = new Int32Array(patients.length)
  patients.forEach((patient, row) => {
    DIABETES_FEATURES.forEach((name, col) => {
      x[row * d + col] = standardizeDiabetesFeature(name, patient[name])
    })
    y[row] = patient.diabetes
  })
  return { x, y, count: patients.length }
}
