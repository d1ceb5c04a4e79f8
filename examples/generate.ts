/** Writes the example CSVs and schemas next to this file: `npm run examples`. */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clinicCsv, clinicSchema, fitnessCsv, fitnessSchema } from './example-data'

const here = dirname(fileURLToPath(import.meta.url))
const write = (name: string, text: string): void => {
  writeFileSync(join(here, name), text)
  console.log(`wrote examples/${name}`)
}

write('clinic-schema.json', `${JSON.stringify(clinicSchema, null, 2)}\n`)
write('clinic-a.csv', clinicCsv({ seed: 101, rows: 400, positiveShare: 0.15 }))
write('clinic-b.csv', clinicCsv({ seed: 202, rows: 300, positiveShare: 0.45 }))
write('clinic-c.csv', clinicCsv({ seed: 303, rows: 500, positiveShare: 0.3 }))
write('fitness-schema.json', `${JSON.stringify(fitnessSchema, null, 2)}\n`)
write('fitness-a.csv', fitnessCsv({ seed: 11, rows: 300, shares: [0.6, 0.3, 0.1] }))
write('fitness-b.csv', fitnessCsv({ seed: 22, rows: 300, shares: [0.1, 0.3, 0.6] }))
write('fitness-c.csv', fitnessCsv({ seed: 33, rows: 300, shares: [0.3, 0.5, 0.2] }))
