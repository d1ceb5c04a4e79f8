import type { DpSummary } from '../../shared/market/types'
import type { TaskSchema } from '../../shared/tasks/schema'

export const clinicSchema: TaskSchema = {
  features: [
    { name: 'age', type: 'integer', min: 18, max: 95 },
    { name: 'bmi', type: 'numeric', min: 10, max: 60 },
    { name: 'smoker', type: 'boolean' },
  ],
  label: { name: 'diabetic', classes: ['no', 'yes'] },
  missing: 'drop-row',
}

export const summary: DpSummary = {
  epsilon: 1,
  rows: 101,
  columns: [
    { name: 'age', kind: 'numeric', mean: 51.2, std: 14.9 },
    { name: 'bmi', kind: 'numeric', mean: 28.1, std: 5.2 },
  ],
}

/** A listing payload; override any field. */
export function listingPayload(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Clinic visits 2025',
    description: 'Anonymized outpatient visits with diabetes diagnosis',
    category: 'medical',
    tags: ['diabetes', 'clinic'],
    schema: clinicSchema,
    rows: 100,
    licence: 'research only',
    copyPrice: 30,
    trainingPrice: 50,
    copyEpsilon: 2,
    trainingRounds: 2,
    summary,
    ...overrides,
  }
}

/** An uncompressed P-256 point, hex, as a buyer's envelope key (shape only). */
export const buyerKey = `04${'ab'.repeat(64)}`

/**
 * A listing payload as listings are made since the epsilon ledger: a budget (10), a training run's epsilon (2), and
 * no exact row count. Override any field.
 */
export function budgetedListingPayload(overrides: Record<string, unknown> = {}) {
  const { rows: _, ...payload } = listingPayload()
  return { ...payload, epsilonBudget: 10, trainingEpsilon: 2, ...overrides }
}
