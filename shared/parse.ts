import type { z } from 'zod'
import { fail, ok, type Result } from './result'

/**
 * Parses `payload` with `schema`; a failure is a `bad-payload` error naming each bad field, e.g.
 * "invalid update: round: expected int, received string". Never throws.
 */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, what: string): Result<T> {
  const parsed = schema.safeParse(payload)
  if (parsed.success) return ok(parsed.data)
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ')
  return fail('bad-payload', `invalid ${what}: ${problems}`)
}
