import { z } from 'zod'

/** Token amounts are whole units, positive, below 2^53. */
export const amountSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER)
