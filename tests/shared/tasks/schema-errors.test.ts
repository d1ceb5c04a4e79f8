import { describe, expect, it } from 'vitest'
import { taskSchemaSchema } from '../../../shared/tasks/schema'
import { describeSchemaIssues } from '../../../shared/tasks/schema-errors'

const problems = (input: unknown): string[] => {
  const parsed = taskSchemaSchema.safeParse(input)
  return parsed.success ? [] : describeSchemaIssues(input, parsed.error.issues)
}

describe('schema problems in words', () => {
  it('names the column and the field, and says what is allowed', () => {
    expect(
      problems({
        features: [
          { name: 'sex', type: 'text' },
          { name: 'age', type: 'numeric', min: 90, max: 18 },
          { name: 'bmi', type: 'numeric', max: 60 },
          { name: 'region', type: 'categorical', categories: ['north'] },
        ],
        label: { name: 'outcome', classes: ['yes', 'yes'] },
        missing: 'skip',
      }),
    ).toEqual([
      'column "sex": type must be one of numeric, integer, boolean, categorical',
      'column "age": min must be below max',
      'column "bmi": min is missing: give a number',
      'column "region": needs at least 2 categories',
      'label "outcome": classes must be distinct',
      'missing: must be one of drop-row, impute',
    ])
  })

  it('asks for a label when none is chosen, and names repeated columns', () => {
    expect(problems({ features: [{ name: 'a', type: 'boolean' }], label: null })).toEqual([
      'label: choose the column to predict (give one column the role "label")',
    ])
    expect(
      problems({ features: [{ name: 'y', type: 'boolean' }], label: { name: 'y', classes: ['0', '1'] } }),
    ).toEqual(['column "y" appears twice'])
  })
})
