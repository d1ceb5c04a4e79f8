import type { FederatedSummary } from './federated-summary'

/** Accuracy points above the majority class a model must reach to count as having learned something. */
export const CLEAR_MARGIN = 0.05
/** Accuracy points below the centralized baseline that count as far below it. */
export const FAR_BELOW = 0.1
/** A client holding this share or more of one class, or none of a class, makes the split skewed. */
const SKEWED_SHARE = 0.9

const pct = (v: number) => `${(v * 100).toFixed(1)}%`

/**
 * Why a run's result may not be what it seems, each with its likely causes: the federated model is not clearly
 * better than always predicting the majority class (by `CLEAR_MARGIN`), or is `FAR_BELOW` the same model trained
 * centrally. Empty when neither holds. The causes are read from the run: DP noise, a skewed split, accuracy still
 * rising at the last round (too few rounds), a held-out loss that rose or barely moved (the learning rate), an attack.
 */
export function resultWarnings(s: Omit<FederatedSummary, 'warnings'>): string[] {
  const federated = s.final.federated
  if (!federated) {
    return [
      ...(s.stopped ? [s.stopped] : []),
      'the federated model could not be scored on the held-out split (browser tabs keep it): nothing shows it learned',
    ]
  }
  // Training that stopped early comes first: the figures below are of the rounds that ran.
  const warnings: string[] = s.stopped ? [s.stopped] : []
  const { majority, centralized } = s.final
  if (federated.accuracy < majority + CLEAR_MARGIN) {
    const oneClass = federated.f1 === 0 ? ' (F1 0: it predicts one class only)' : ''
    warnings.push(
      `the federated model is not clearly better than always predicting the majority class: accuracy ${pct(federated.accuracy)} against ${pct(majority)}${oneClass}; likely cause: ${likelyCauses(s)}`,
    )
  }
  if (centralized && centralized.accuracy - federated.accuracy > FAR_BELOW) {
    const cause = warnings.length ? 'the same likely causes' : `likely cause: ${likelyCauses(s)}`
    warnings.push(
      `the federated model is far below the same model trained centrally: accuracy ${pct(federated.accuracy)} against ${pct(centralized.accuracy)}; ${cause}`,
    )
  }
  return warnings
}

/** The causes the run's own figures point to, each with what to try; a generic hint when none stands out. */
export function likelyCauses(s: Omit<FederatedSummary, 'warnings'>): string {
  const causes: string[] = []
  if (s.privacy) {
    causes.push(
      `DP noise (${s.privacy.level}-level privacy, epsilon ${s.privacy.epsilon.toFixed(2)} of ${s.privacy.budget}): privacy costs accuracy; with --privacy, a larger --epsilon, a smaller --noise or more rows per client buy it back`,
    )
  }
  if (s.byzantine > 0)
    causes.push(`the attack by ${s.byzantine} malicious client${s.byzantine === 1 ? '' : 's'}`)
  const skewed = s.data.clients.findIndex((c) =>
    c.classShares.some(
      (share, k) => share >= SKEWED_SHARE || (share === 0 && (s.data.testClassShares[k] ?? 0) > 0),
    ),
  )
  if (skewed !== -1 && s.data.alpha !== 'iid') {
    const shares = s.data.clients[skewed]!.classShares.map((v, k) => `${s.data.classes[k]} ${pct(v)}`).join(
      ', ',
    )
    causes.push(
      `a skewed split (client ${skewed + 1} holds ${shares}; Dirichlet alpha ${s.data.alpha}): try a larger --alpha (0 = IID) or more --rounds`,
    )
  }
  const scores = s.federatedRounds.filter((r) => r !== null)
  const first = scores[0]
  const last = scores.at(-1)
  if (first && last && scores.length >= 2) {
    if (last.loss > first.loss + 0.01) {
      causes.push(
        `the learning rate: the held-out loss rose from ${first.loss.toFixed(3)} to ${last.loss.toFixed(3)}; try a smaller --lr (now ${s.training.learningRate})`,
      )
    } else if (Math.abs(last.loss - first.loss) < 0.01) {
      causes.push(
        `the learning rate: the held-out loss barely moved (${first.loss.toFixed(3)} to ${last.loss.toFixed(3)}); try a larger --lr (now ${s.training.learningRate}) or more --local-epochs`,
      )
    }
    if (last.accuracy > first.accuracy + 0.02 && last.loss < first.loss && !s.stopped) {
      causes.push(
        `too few rounds: accuracy was still rising at round ${s.training.rounds}; try --rounds ${2 * s.training.rounds}`,
      )
    }
  } else if (s.training.rounds < 3 && !s.stopped) {
    causes.push(`too few rounds (${s.training.rounds}); try --rounds 10`)
  }
  return causes.length
    ? causes.join('; or ')
    : 'no single cause stands out; try more --rounds, more --local-epochs or another --lr'
}

/**
 * What to try when training stopped before its last round (`reason` says what happened): past a privacy budget, the
 * options that buy more rounds; otherwise what a run's rounds fail on.
 */
export function stopAdvice(
  reason: string,
  privacy: { readonly level: 'client' | 'example'; readonly budget: number } | null,
): string {
  if (privacy && /epsilon|privacy budget/.test(reason)) {
    const who =
      privacy.level === 'example'
        ? `each client declines a round that would take its rows' epsilon past --epsilon ${privacy.budget}`
        : `the coordinator starts no round that would take epsilon past --epsilon ${privacy.budget}`
    return `${who}: raise --epsilon, raise --noise (more noise spends less per round), or ask for fewer --rounds${privacy.level === 'example' ? ' or --local-epochs' : ''}`
  }
  return 'fix what the reason names (a client that misses the deadline needs fewer --local-epochs, a smaller model or fewer clients) and run again'
}
