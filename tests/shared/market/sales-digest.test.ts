import { describe, expect, it } from 'vitest'
import { counted, salesDigest, saleWaitingFor } from '../../../shared/market/sales-digest'
import type { Purchase, PurchaseStatus, SaleKind } from '../../../shared/market/types'

const sale = (id: string, kind: SaleKind, status: PurchaseStatus, createdAt: number): Purchase => ({
  purchaseId: id,
  datasetId: 'ds-1',
  buyer: 'b',
  provider: 'p',
  kind,
  price: 20,
  escrow: status === 'pending' ? 20 : 0,
  status,
  buyerKey: null,
  deliveryHash: null,
  taskId: null,
  createdAt,
  txId: `tx-${id}`,
  settledTxId: null,
  rated: false,
})

describe("a provider's sales", () => {
  const sales = [
    sale('p-1', 'copy', 'delivered', 1),
    sale('p-2', 'copy', 'pending', 2),
    sale('p-3', 'training', 'training', 3),
    sale('p-4', 'copy', 'pending', 4),
    sale('p-5', 'training', 'completed', 5),
    sale('p-6', 'copy', 'cancelled', 6),
  ]

  it('counts pending deliveries, trainings to run and unseen sales; newest first', () => {
    const digest = salesDigest(sales, new Set(['p-1', 'p-2', 'p-3']))
    expect(digest.lines.map((l) => l.sale.purchaseId)).toEqual(['p-6', 'p-5', 'p-4', 'p-3', 'p-2', 'p-1'])
    expect(digest.pendingDeliveries).toBe(2)
    expect(digest.trainingsToRun).toBe(1)
    expect(digest.fresh).toBe(3)
    expect(digest.lines.filter((l) => l.fresh).map((l) => l.sale.purchaseId)).toEqual(['p-6', 'p-5', 'p-4'])
    expect(salesDigest([], new Set())).toMatchObject({ pendingDeliveries: 0, trainingsToRun: 0, fresh: 0 })
  })

  it('says what the buyer waits for while a sale is open, and nothing once it is settled', () => {
    expect(saleWaitingFor(sales[1]!)).toBe(
      'the buyer waits for your tab to make and deliver the copy (20 tokens held in escrow until then)',
    )
    expect(saleWaitingFor(sales[2]!)).toMatch(/^the buyer waits for you to train it/)
    expect(saleWaitingFor(sale('p-7', 'training', 'pending', 7))).toMatch(
      /coordinator to open the training task/,
    )
    for (const settled of [sales[0]!, sales[4]!, sales[5]!]) expect(saleWaitingFor(settled)).toBeNull()
    expect(counted(1, 'pending delivery', 'pending deliveries')).toBe('1 pending delivery')
    expect(counted(2, 'pending delivery', 'pending deliveries')).toBe('2 pending deliveries')
  })
})
