// A new dataset generator: a column specification and a label driven by some of the columns.
import type { DataSpec } from '../../shared/data/column-spec'
import { DataHandler } from '../../shared/data/data-handler'

export const energySpec: DataSpec = {
  name: 'Home energy',
  description: 'Households: floor area, occupants, heating, insulation; high consumption?',
  category: 'other',
  columns: [
    { name: 'floor_m2', type: 'float', min: 20, max: 400, mean: 110, std: 50 },
    { name: 'occupants', type: 'integer', min: 1, max: 8, mean: 2.6, std: 1.3 },
    { name: 'heating', type: 'category', categories: ['gas', 'heat-pump', 'electric'] },
    { name: 'insulated', type: 'boolean', p: 0.6 },
  ],
  label: {
    name: 'high_use',
    classes: ['no', 'yes'],
    weights: { floor_m2: 2.0, occupants: 1.0, insulated: -1.2 },
    categoryEffects: { heating: { electric: 1.0, 'heat-pump': -0.8 } },
  },
}

const table = DataHandler.generate(energySpec, 1000, 7) // rows, seed
export const energyCsv = DataHandler.toCsv(table) // header line, then one row per household
export const energySchema = table.schema // what a task reads it with
