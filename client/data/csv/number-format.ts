/** The number, boolean and missing-value readers moved to `shared/data/number-format.ts` (schema inference uses them). */
export * from '../../../shared/data/number-format'
