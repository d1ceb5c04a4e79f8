import { z } from 'zod'
import { ADDRESS_PATTERN } from '../keys'

/** Token amounts are whole units, positive, below 2^53. */
export const amountSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER)
export const addressSchema = z.string().regex(ADDRESS_PATTERN, 'an address is "px" and 40 hex digits')
