import { describe, expect, it } from 'vitest'
import {
  draftFromHeader,
  draftJson,
  readDraft,
  suspiciousValues,
  withRole,
} from '../../client/components/schema-draft'

describe('the schema form model', () => {
  it('starts from a header with no label and no types', () => {
    const draft = draftFromHeader('species;island;"sex"')
    expect(draft.ok && draftJson(draft.draft)).toEqual({
      features: [
        { name: 'species', type: null },
        { name: 'island', type: null },
        { name: 'sex', type: null },
      ],
      label: null,
      missing: 'drop-row',
    })
    expect(draftFromHeader('a,a')).toEqual({ ok: false, message: 'header: column "a" appears twice' })
  })

  it('keeps exactly one label, and ignored columns in their place when the JSON changes', () => {
    const read = readDraft(
      JSON.stringify({
        features: [
          { name: 'species', type: 'categorical', categories: ['Adelie', 'Gentoo'] },
          { name: 'mass', type: 'integer', min: 2500, max: 6500 },
        ],
        label: { name: 'year', classes: ['2007', '2008'] },
      }),
      null,
    )
    if (!read.ok) throw new Error(read.message)
    const relabelled = withRole(read.draft, 0, 'label')
    expect(draftJson(withRole(relabelled, 2, 'ignored'))).toEqual({
      features: [{ name: 'mass', type: 'integer', min: 2500, max: 6500 }],
      label: { name: 'species', classes: ['Adelie', 'Gentoo'] },
      missing: 'drop-row',
    })
    const ignored = withRole(relabelled, 2, 'ignored')
    const again = readDraft(JSON.stringify(draftJson(ignored)), ignored)
    expect(again.ok && again.draft.columns.map((c) => `${c.name}:${c.role}`)).toEqual([
      'species:label',
      'mass:feature',
      'year:ignored',
    ])
    expect(readDraft('{ "features": 3 }', null).ok).toBe(false)
  })

  it('flags values that look like missing markers', () => {
    expect(suspiciousValues(['female', '.', 'male', '--', 'é'])).toEqual(['.', '--'])
  })
})
