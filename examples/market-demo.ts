/**
 * Market demo (`npm run example:market`): generates the five kinds of datasets, registers a provider for each and
 * three consumers, lists and trades anonymized copies (DP applied in the provider's client, sealed to the buyer),
 * rates, searches, and saves charts of market statistics and of privacy effects (original vs noised distribution;
 * utility loss against epsilon) under examples/charts (or --out DIR).
 */
import { writeCharts } from '../cli/charts'
import { runMarket } from '../cli/market-run'
import { marketCharts, marketReport } from '../cli/report'
import { exampleOptions } from './example-args'

const options = exampleOptions([])
const summary = await runMarket(options, (line) => console.error(line))
console.log(marketReport(summary))
for (const path of writeCharts(options.out!, marketCharts(summary))) console.log(`chart: ${path}`)
process.exit(summary.statisticsMatchTrades ? 0 : 1)
