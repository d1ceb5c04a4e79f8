/** Re-exports only: the market's wire is in `shared/protocol/market.ts`. Kept so existing imports work. */
export * from '../protocol/market'
