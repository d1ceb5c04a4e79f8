import { css } from 'lit'

/** Tokens and a few shared rules for every px- element. */
export const theme = css`
  :host {
    --px-ink: #18202e;
    --px-muted: #5b6778;
    --px-line: #dde2ea;
    --px-card: #ffffff;
    --px-accent: #2f6fed;
    --px-good: #177a42;
    --px-warn: #8f5500;
    --px-bad: #c0392b;
    color: var(--px-ink);
  }
  .card {
    background: var(--px-card);
    border: 1px solid var(--px-line);
    border-radius: 10px;
    padding: 1rem 1.25rem;
  }
  h2 {
    font-size: 1rem;
    margin: 0 0 0.75rem;
  }
  .muted {
    color: var(--px-muted);
  }
  .badge {
    display: inline-block;
    padding: 0.1rem 0.55rem;
    border-radius: 999px;
    font-size: 0.8rem;
    background: #e8eefc;
    /* The accent darkened to 4.5:1 on the badge's background (WCAG AA for small text). */
    color: #1f52c4;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.9rem;
  }
  th,
  td {
    text-align: left;
    padding: 0.35rem 0.5rem;
    border-bottom: 1px solid var(--px-line);
    /* Tables wrap to their card's width (1280 px screens and narrower) instead of scrolling sideways. */
    white-space: normal;
    overflow-wrap: break-word;
    vertical-align: top;
  }
  td {
    font-variant-numeric: tabular-nums;
  }
  /* Hashes, addresses and raw values break anywhere rather than widen their table. */
  td code,
  td.value {
    overflow-wrap: anywhere;
  }
  th {
    color: var(--px-muted);
    font-weight: 500;
  }
  button {
    font: inherit;
    padding: 0.35rem 0.9rem;
    border-radius: 6px;
    border: 1px solid var(--px-line);
    background: white;
    color: var(--px-ink);
    cursor: pointer;
    /* A long label wraps rather than push the page wider than the screen. */
    max-width: 100%;
  }
  button.primary {
    background: var(--px-accent);
    border-color: var(--px-accent);
    color: white;
  }
  button:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  /* A grid of labelled settings (training, privacy). */
  form.settings {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
    gap: 0.6rem 1rem;
  }
  form.settings label {
    display: grid;
    gap: 0.2rem;
    font-size: 0.8rem;
    color: var(--px-muted);
  }
  form.settings input,
  form.settings select {
    font: inherit;
    padding: 0.25rem 0.4rem;
  }
  /* A settings form's submit button, aligned with the inputs beside it. */
  form.settings .submit {
    display: flex;
    align-items: end;
  }
  progress {
    width: 100%;
    height: 0.7rem;
    accent-color: var(--px-accent);
  }
`

/** A definition list laid out as a two-column table of label and value (the tab page's cards). */
export const definitionList = css`
  dl {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.3rem 1rem;
    margin: 0;
  }
  dt {
    color: var(--px-muted);
  }
  dd {
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
`
