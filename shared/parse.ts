import type { z } from 'zod'
import { fail, ok, type Result } from './result'

/** Issues a refusal names, and the longest it gets: a refusal never grows with the payload refused. */
const MAX_ISSUES = 5
const MAX_MESSAGE = 600

/**
 * Parses `payload` with `schema`; a failure is a `bad-payload` error naming the first bad fields, e.g.
 * "invalid update: round: expected int, received string", and how many more there were. Never throws.
 */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, what: string): Result<T> {
  const parsed = schema.safeParse(payload)
  if (parsed.success) return ok(parsed.data)
  const issues = parsed.error.issues
  const problems = issues
    .slice(0, MAX_ISSUES)
    .map(
      (issue) =>
        `${issue.path.length ? issue.path.slice(0, 6).join('.') : '(payload)'}: ${issue.message.slice(0, 200)}`,
    )
    .join('; ')
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more problems)` : ''
  const message = `invalid ${what}: ${problems}`
  return fail(
    'bad-payload',
    message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…${more}` : `${message}${more}`,
  )
}
