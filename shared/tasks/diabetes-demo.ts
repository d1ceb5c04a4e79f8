import type { ModelSpec } from '../model/spec'
import type { TaskInfo } from '../protocol/tasks'

/**
 * The embedded default task: diabetes risk from eight routine measurements, on data each tab generates itself
 * (seeded, so runs are reproducible). Nothing is downloaded and no rows cross the network.
 */
export const DIABETES_FEATURES = [
  'age',
  'bmi',
  'glucose',
  'bloodPressure',
  'hba1c',
  'activityHoursPerWeek',
  'familyHistory',
  'smoker',
] as const

/**
 * Declared centre and spread of each feature, used to standardise in every tab identically: scaling fitted per
 * tab would give each client a different input space and break averaging.
 */
export const DIABETES_SCALING: Readonly<
  Record<(typeof DIABETES_FEATURES)[number], { mean: number; std: number }>
> = {
  age: { mean: 48, std: 15 },
  bmi: { mean: 27.5, std: 5.5 },
  glucose: { mean: 100, std: 22 },
  bloodPressure: { mean: 76, std: 10 },
  hba1c: { mean: 5.5, std: 0.7 },
  activityHoursPerWeek: { mean: 4, std: 4 },
  familyHistory: { mean: 0.28, std: 0.45 },
  smoker: { mean: 0.2, std: 0.4 },
}

/**
 * The declared range of each feature, in its own units: the generator clips every value to it, and a prediction's
 * inputs are checked against it. The last two are yes/no (1/0).
 */
export const DIABETES_RANGES: Readonly<
  Record<(typeof DIABETES_FEATURES)[number], { min: number; max: number; boolean?: true }>
> = {
  age: { min: 18, max: 90 },
  bmi: { min: 15, max: 55 },
  glucose: { min: 55, max: 300 },
  bloodPressure: { min: 45, max: 140 },
  hba1c: { min: 4, max: 14 },
  activityHoursPerWeek: { min: 0, max: 30 },
  familyHistory: { min: 0, max: 1, boolean: true },
  smoker: { min: 0, max: 1, boolean: true },
}

/** One demo feature as the model reads it: standardised with the declared `DIABETES_SCALING`, in every tab. */
export function standardizeDiabetesFeature(name: (typeof DIABETES_FEATURES)[number], value: number): number {
  const { mean, std } = DIABETES_SCALING[name]
  return (value - mean) / std
}

export type DemoModelKind = 'mlp' | 'logistic'

export function diabetesModelSpec(kind: DemoModelKind): ModelSpec {
  const inputs = DIABETES_FEATURES.length
  return kind === 'mlp'
    ? { kind: 'mlp', inputs, hidden: [16, 8], activation: 'relu', classes: 2 }
    : { kind: 'logistic', inputs, classes: 2 }
}

export function diabetesDemoTask(kind: DemoModelKind, seed: number): TaskInfo {
  return {
    id: 'demo-diabetes',
    name: 'Diabetes risk (built-in demo)',
    description:
      'Generated patient records, a different partition and label balance in every tab; predicts diabetes (1) or not (0).',
    features: [...DIABETES_FEATURES],
    classNames: ['no diabetes', 'diabetes'],
    model: diabetesModelSpec(kind),
    dataset: { kind: 'demo-diabetes', seed },
  }
}
