import type { ChartSpec } from './charts'
import { csvReportText } from './csv-report-text'
import type { FederatedSummary } from './federated-run'
import type { FullSummary } from './full-run'
import { type MarketSummary, PRIVACY_DRAWS } from './market-run'

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`
const num = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '–' : v.toFixed(d))

/** Bytes in the unit that keeps a few significant digits (never "0" for a few hundred bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} KB`
  return `${(bytes / 1e6).toFixed(2)} MB`
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function federatedReport(s: FederatedSummary): string {
  const rounds = table(
    [
      'round',
      'clients',
      'examples',
      'loss',
      'accuracy',
      'F1',
      'held-out acc',
      'central acc',
      'epsilon',
      'sent',
      'time',
    ],
    s.rounds.map((r, i) => [
      String(r.round),
      String(r.participants),
      String(r.examples),
      num(r.loss),
      pct(r.accuracy),
      pct(r.f1),
      pct(s.federatedRounds[i]?.accuracy),
      pct(s.centralizedRounds[i]?.accuracy),
      num(r.epsilon),
      formatBytes(r.bytesUp),
      r.durationMs === null ? '–' : `${(r.durationMs / 1000).toFixed(2)} s`,
    ]),
  )
  const f = s.final
  const t = s.training
  const csv = s.data.csv
  const shares = (values: readonly number[]) =>
    values.map((v, k) => `${s.data.classes[k]} ${pct(v)}`).join(', ')
  return [
    ...(csv
      ? [
          csvReportText(
            csv.report,
            csv.schema,
            csv.columns,
            csv.schemaSource === 'inferred' ? null : csv.schemaSource,
          ),
          '',
        ]
      : []),
    `Federated training: ${s.data.name}, ${s.data.rows} rows (${s.data.testRows} held out), ${s.data.clients.length} clients (${s.data.alpha === 'iid' ? 'IID' : `Dirichlet alpha ${s.data.alpha}`})`,
    `settings: ${s.model}; ${t.rounds} rounds of ${t.localEpochs} local epochs; ${t.optimizer === 'adam' ? 'Adam' : 'SGD'}, learning rate ${t.learningRate}, batch ${t.batchSize}`,
    ...s.data.clients.map((c, i) => `client ${i + 1}: ${c.rows} rows (${shares(c.classShares)})`),
    `held-out split: ${s.data.testRows} rows (${shares(s.data.testClassShares)})`,
    rounds,
    `(loss, accuracy and F1: the global model on the tabs' own held-out rows; held-out and central: the shared test split)`,
    `held-out test: federated accuracy ${pct(f.federated?.accuracy)}, F1 ${pct(f.federated?.f1)} | centralized accuracy ${pct(f.centralized?.accuracy)}, F1 ${pct(f.centralized?.f1)} | majority class ${pct(f.majority)}`,
    s.privacy
      ? `privacy (${s.privacy.level} level): epsilon ${s.privacy.epsilon.toFixed(3)}${s.privacy.level === 'client' ? ` of ${s.privacy.budget}` : ' per client for its rows'} (delta ${s.privacy.delta})`
      : 'privacy: off',
    robustnessLine(s),
    `encryption: ${s.encryption ?? 'off'} · sent ${formatBytes(s.bytesSent)} of updates · federated ${(s.timings.federatedMs / 1000).toFixed(1)} s, centralized ${(s.timings.centralizedMs / 1000).toFixed(1)} s`,
    `chain: ${s.chain.height} blocks, ${s.chain.verified ? 'verified' : 'VERIFICATION FAILED'} (${s.chain.dataDir ?? 'in a temporary directory, removed; --data-dir DIR keeps it'})`,
    ...s.warnings.map((w) => `WARNING: ${w}`),
  ].join('\n')
}

/** The aggregation rule and, in an attack simulation, who attacked, how, and what the defence let through. */
function robustnessLine(s: FederatedSummary): string {
  const verdicts = s.rounds.some((r) => r.accepted !== undefined)
    ? ` · updates accepted (clipped) / rejected per round: ${s.rounds
        .map((r) => `${r.accepted ?? '–'} (${r.clipped ?? 0}) / ${r.rejected ?? '–'}`)
        .join(', ')}`
    : ''
  const attack = s.attack
    ? ` · attack: ${s.attack.attack} by ${s.byzantine} client${s.byzantine === 1 ? '' : 's'} (${s.attack.clients.join(', ')})`
    : ''
  const backdoor = s.attack?.backdoor
    ? ` · backdoor (${s.attack.backdoor.trigger.join(', ')} -> ${s.attack.backdoor.targetClass}) success rate ${pct(s.attack.backdoor.successRate)} on ${s.attack.backdoor.rows} held-out rows`
    : ''
  return `aggregator: ${s.aggregator}${attack}${verdicts}${backdoor}`
}

export function marketReport(s: MarketSummary): string {
  const t = s.statistics.totals
  return [
    'Market session',
    table(
      ['dataset', 'name', 'category', 'copy', 'training'],
      s.listings.map((l) => [
        l.datasetId,
        l.name,
        l.category,
        String(l.copyPrice ?? '–'),
        String(l.trainingPrice ?? '–'),
      ]),
    ),
    table(
      ['purchase', 'buyer', 'dataset', 'kind', 'price', 'status'],
      s.purchases.map((p) => [p.purchaseId, p.buyer, p.datasetId, p.kind, String(p.price), p.status]),
    ),
    ...s.searches.map((q) => `search ${q.query}: ${q.hits.join(', ') || 'no hits'}`),
    `statistics: ${t.purchases} purchases, volume ${t.volume}, ${t.ratings} ratings, ${t.providers} providers, ${t.consumers} consumers; they ${s.statisticsMatchTrades ? 'match' : 'DO NOT match'} the trades made`,
    `top rated: ${s.statistics.topRated.map((d) => `${d.name} ${d.average.toFixed(1)}★`).join(', ')}`,
    'privacy of anonymized copies (diabetes-risk data, local DP per row):',
    table(
      ['epsilon', 'column-mean error (share of range)', 'labels flipped'],
      s.privacyEffects.map((e) => [String(e.epsilon), pct(e.meanError), pct(e.labelFlips)]),
    ),
  ].join('\n')
}

export function fullReport(s: FullSummary): string {
  const p = s.purchase
  return [
    `Training access ${p.purchaseId} on ${p.dataset}: ${p.price} tokens, ${p.status}; the provider received ${p.paidToProvider}; model ${p.modelVersion}`,
    federatedReport(s.federated),
    `market: ${s.statistics.totals.purchases} purchases, volume ${s.statistics.totals.volume}`,
  ].join('\n\n')
}

export function federatedCharts(s: FederatedSummary): Record<string, ChartSpec> {
  const labels = s.rounds.map((r) => String(r.round))
  const both = (title: string, key: 'accuracy' | 'loss' | 'f1', yName: string): ChartSpec => ({
    title,
    kind: 'line',
    labels,
    xName: 'round',
    yName,
    ...(key === 'loss' ? {} : { yRange: [0, 1] as const }),
    series: [
      { name: 'federated', values: s.federatedRounds.map((r) => r?.[key] ?? null) },
      ...(s.centralizedRounds.length
        ? [{ name: 'centralized', values: s.centralizedRounds.map((r) => r[key]), dashed: true }]
        : []),
      ...(key === 'loss'
        ? []
        : [
            {
              name: 'majority class',
              values: labels.map(() => (key === 'accuracy' ? s.final.majority : null)),
              dashed: true,
            },
          ]),
    ],
  })
  return {
    'federated-accuracy': both('Accuracy on the held-out split per round', 'accuracy', 'accuracy'),
    'federated-loss': both('Loss on the held-out split per round', 'loss', 'cross-entropy'),
    'federated-f1': both('F1 on the held-out split per round', 'f1', 'F1'),
    'client-distributions': {
      title: 'Rows and class shares per client',
      kind: 'bar',
      labels: s.data.clients.map((_, i) => `client ${i + 1}`),
      series: [
        { name: 'rows / 1000', values: s.data.clients.map((c) => c.rows / 1000) },
        ...s.data.classes.map((name, k) => ({
          name: `share ${name}`,
          values: s.data.clients.map((c) => c.classShares[k] ?? 0),
        })),
      ],
    },
  }
}

export function marketCharts(s: MarketSummary): Record<string, ChartSpec> {
  const categories = s.statistics.priceTrends.map((c) => c.category)
  return {
    'market-volume-per-day': {
      title: 'Purchases and volume per day',
      kind: 'bar',
      labels: s.statistics.daily.map((d) => d.day),
      yName: 'purchases',
      y2Name: 'tokens',
      series: [
        { name: 'purchases', values: s.statistics.daily.map((d) => d.transactions) },
        {
          name: 'volume (tokens)',
          values: s.statistics.daily.map((d) => d.volume),
          axis: 'right',
          kind: 'line',
        },
      ],
    },
    'market-price-per-category': {
      title: 'Mean price paid per category',
      kind: 'bar',
      labels: categories,
      series: [
        {
          name: 'mean price',
          values: s.statistics.priceTrends.map(
            (c) =>
              c.points.reduce((a, p) => a + p.meanPrice * p.purchases, 0) /
              Math.max(
                1,
                c.points.reduce((a, p) => a + p.purchases, 0),
              ),
          ),
        },
      ],
    },
    'privacy-distribution': {
      title: `Original vs anonymized (epsilon 4 per row): ${s.distribution.column}`,
      subtitle: 'the edge bins hold the values beyond the range',
      kind: 'bar',
      labels: s.distribution.bins,
      xName: s.distribution.column,
      series: [
        { name: 'original', values: s.distribution.original },
        { name: 'anonymized', values: s.distribution.noised },
      ],
    },
    'privacy-utility': {
      title: 'Utility loss against epsilon (anonymized copies)',
      subtitle: `mean of ${PRIVACY_DRAWS} copies per epsilon; the band is ± one standard deviation`,
      kind: 'line',
      labels: s.privacyEffects.map((e) => String(e.epsilon)),
      xName: 'epsilon per row',
      series: [
        {
          name: 'column-mean error (share of range)',
          values: s.privacyEffects.map((e) => e.meanError),
          band: {
            low: s.privacyEffects.map((e) => e.meanErrorBand[0]),
            high: s.privacyEffects.map((e) => e.meanErrorBand[1]),
          },
        },
        {
          name: 'labels flipped',
          values: s.privacyEffects.map((e) => e.labelFlips),
          band: {
            low: s.privacyEffects.map((e) => e.labelFlipsBand[0]),
            high: s.privacyEffects.map((e) => e.labelFlipsBand[1]),
          },
        },
      ],
    },
  }
}
