import type { z } from 'zod'

/** Zod's own wording (not one written in a schema), which names neither the field nor what it allows. */
const GENERIC = /^(Invalid|Too (small|big))/

const NOUNS: Readonly<Record<string, string>> = {
  categories: 'categories',
  classes: 'classes',
  features: 'feature columns',
}

/**
 * A task schema's validation problems (`taskSchemaSchema.safeParse(input).error.issues`) in words a person can act
 * on: each names the column (by its name in `input`, else its position) and the field, and says what is allowed,
 * e.g. `column "sex": type must be one of numeric, integer, boolean, categorical`. One line per issue, in order.
 */
export function describeSchemaIssues(input: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => describeIssue(input, issue))
}

function describeIssue(input: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))
  const [head, index, ...rest] = path
  let subject: string
  let field: (string | number)[]
  if (head === 'features' && typeof index === 'number') {
    const name = nameAt(input, ['features', index, 'name'])
    subject = name ? `column "${name}"` : `feature ${index + 1}`
    field = rest
  } else if (head === 'label') {
    const name = nameAt(input, ['label', 'name'])
    if (path.length === 1 && issue.code === 'invalid_type')
      return 'label: choose the column to predict (give one column the role "label")'
    subject = name ? `label "${name}"` : 'label'
    field = path.slice(1)
  } else {
    subject = head === undefined ? 'schema' : String(head)
    field = path.slice(1)
    if (head === 'features' && issue.code === 'custom') return issue.message
  }
  const what = fieldWords(field)
  // A message written in the schema names its field itself ("min must be below max"), unless it starts with a verb;
  // a list's size names its items ("needs at least 2 categories").
  const own =
    (issue.message && !GENERIC.test(issue.message) && !/^(is|must) /.test(issue.message)) ||
    ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'array')
  return `${subject}: ${what && !own ? `${what} ` : ''}${rule(issue, path)}`
}

/** The field within the column, e.g. "type", "min", "category 2". */
function fieldWords(field: readonly (string | number)[]): string {
  const [name, index] = field
  if (name === undefined) return ''
  if (typeof index === 'number') return `${name === 'classes' ? 'class' : 'category'} ${index + 1}`
  return String(name)
}

function rule(issue: z.core.$ZodIssue, path: readonly (string | number)[]): string {
  if (issue.message && !GENERIC.test(issue.message)) return issue.message
  const noun = NOUNS[String(path.findLast((p) => typeof p === 'string') ?? '')] ?? 'items'
  switch (issue.code) {
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options)
        ? `must be one of ${issue.options.join(', ')}`
        : 'is not one of the allowed forms'
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`
    case 'invalid_type':
      return issue.input === undefined || issue.input === null
        ? `is missing: give ${article(issue.expected)}`
        : `must be ${article(issue.expected)}`
    case 'too_small':
      if (issue.origin === 'string') return 'cannot be empty'
      return issue.origin === 'array'
        ? `needs at least ${issue.minimum} ${noun}`
        : `must be at least ${issue.minimum}`
    case 'too_big':
      return issue.origin === 'array'
        ? `takes at most ${issue.maximum} ${noun}`
        : `must be at most ${issue.maximum}`
    default:
      return issue.message
  }
}

function article(expected: string): string {
  switch (expected) {
    case 'array':
      return 'a list'
    case 'string':
      return 'a text'
    case 'number':
      return 'a number'
    case 'object':
      return 'an object'
    default:
      return expected
  }
}

function nameAt(input: unknown, path: readonly (string | number)[]): string | null {
  let at: unknown = input
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return null
    at = (at as Record<string | number, unknown>)[key]
  }
  return typeof at === 'string' && at.trim() !== '' ? at.trim() : null
}
