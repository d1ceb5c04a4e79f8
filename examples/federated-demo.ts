/**
 * Federated learning demo (`npm run example:federated`): a diabetes-risk dataset split across 4 clients non-IID
 * (Dirichlet alpha 0.5 over the labels), example-level DP-SGD on in every client, every round recorded on the
 * chain, compared with the same model trained centrally on the pooled data. Saves accuracy, loss and F1 per round
 * (federated vs centralized) and the clients' data distributions under examples/charts (or --out DIR).
 */
import { writeCharts } from '../cli/charts'
import { runFederated } from '../cli/federated-run'
import { federatedCharts, federatedReport } from '../cli/report'
import { exampleOptions } from './example-args'

const options = exampleOptions([
  '--clients',
  '4',
  '--rounds',
  '5',
  '--privacy',
  '--privacy-level',
  'example',
  '--noise',
  '0.8',
  '--epsilon',
  '50',
])
const summary = await runFederated(options, (line) => console.error(line))
console.log(federatedReport(summary))
for (const path of writeCharts(options.out!, federatedCharts(summary))) console.log(`chart: ${path}`)
process.exit(0)
