import type { DataSpec } from './column-spec'

/**
 * Built-in generators, one per kind of data the market sells. Each label is driven by a few features (see
 * `labelSpecSchema`), so models have something to learn and a majority-class baseline to beat.
 */
export const GENERATORS = {
  'user-behaviour': {
    name: 'Shop sessions',
    description:
      'Web-shop sessions: visits, time on site, device, referrer; did the session end in a purchase?',
    category: 'user-behaviour',
    columns: [
      { name: 'visits_30d', type: 'integer', min: 0, max: 60, mean: 8, std: 8 },
      { name: 'minutes_on_site', type: 'float', min: 0, max: 120, mean: 14, std: 12 },
      { name: 'pages_viewed', type: 'integer', min: 1, max: 80, mean: 9, std: 7 },
      { name: 'device', type: 'category', categories: ['mobile', 'desktop', 'tablet'], weights: [6, 3, 1] },
      { name: 'referrer', type: 'category', categories: ['search', 'social', 'email', 'direct'] },
      { name: 'newsletter', type: 'boolean', p: 0.3 },
    ],
    label: {
      name: 'purchased',
      classes: ['no', 'yes'],
      bias: -0.6,
      weights: { visits_30d: 1.4, minutes_on_site: 2.2, pages_viewed: 1.2, newsletter: 0.5 },
      categoryEffects: { device: { desktop: 0.4, mobile: -0.2 }, referrer: { email: 0.6, social: -0.4 } },
      noise: 0.6,
    },
  },
  medical: {
    name: 'Diabetes risk',
    description:
      'Outpatient visits: age, BMI, glucose, blood pressure, HbA1c, activity, family history; diabetes diagnosis.',
    category: 'medical',
    columns: [
      { name: 'age', type: 'integer', min: 18, max: 90, mean: 50, std: 15 },
      { name: 'bmi', type: 'float', min: 15, max: 55, mean: 28, std: 6, decimals: 1 },
      { name: 'glucose', type: 'float', min: 50, max: 300, mean: 115, std: 30, decimals: 0 },
      { name: 'blood_pressure', type: 'float', min: 40, max: 140, mean: 80, std: 12, decimals: 0 },
      { name: 'hba1c', type: 'float', min: 4, max: 14, mean: 5.9, std: 1.1, decimals: 1 },
      { name: 'activity_hours', type: 'float', min: 0, max: 30, mean: 6, std: 5, decimals: 1 },
      { name: 'family_history', type: 'boolean', p: 0.3 },
      { name: 'smoker', type: 'boolean', p: 0.2 },
    ],
    label: {
      name: 'diabetes',
      classes: ['no', 'yes'],
      bias: -1.2,
      weights: {
        age: 1.0,
        bmi: 1.6,
        glucose: 3.2,
        hba1c: 2.4,
        activity_hours: -1.0,
        family_history: 0.6,
        smoker: 0.3,
      },
      noise: 0.5,
    },
  },
  finance: {
    name: 'Card transactions',
    description: 'Card payments: amount, hour, merchant type, distance from home, foreign; was it fraud?',
    category: 'finance',
    columns: [
      { name: 'amount', type: 'float', min: 1, max: 5000, mean: 120, std: 400 },
      { name: 'hour', type: 'integer', min: 0, max: 23, mean: 14, std: 5 },
      {
        name: 'merchant',
        type: 'category',
        categories: ['grocery', 'travel', 'electronics', 'online', 'fuel'],
      },
      { name: 'km_from_home', type: 'float', min: 0, max: 2000, mean: 30, std: 200 },
      { name: 'foreign', type: 'boolean', p: 0.1 },
      { name: 'card_age_months', type: 'integer', min: 0, max: 240, mean: 48, std: 40 },
    ],
    label: {
      name: 'fraud',
      classes: ['no', 'yes'],
      bias: -3,
      weights: { amount: 2.5, km_from_home: 2.5, foreign: 0.8, card_age_months: -1.0, hour: -0.5 },
      categoryEffects: { merchant: { electronics: 0.8, online: 0.6, grocery: -0.6 } },
      noise: 0.6,
    },
  },
  location: {
    name: 'City trips',
    description: 'Trips: distance, duration, hour, weekday, weather, zone; was the trip late?',
    category: 'location',
    columns: [
      { name: 'distance_km', type: 'float', min: 0.2, max: 40, mean: 6, std: 5 },
      { name: 'planned_minutes', type: 'float', min: 2, max: 120, mean: 22, std: 14 },
      { name: 'hour', type: 'integer', min: 0, max: 23 },
      { name: 'weekend', type: 'boolean', p: 0.28 },
      { name: 'weather', type: 'category', categories: ['clear', 'rain', 'snow'], weights: [7, 2.5, 0.5] },
      { name: 'zone', type: 'category', categories: ['centre', 'suburb', 'airport'] },
    ],
    label: {
      name: 'late',
      classes: ['no', 'yes'],
      bias: -0.5,
      weights: { distance_km: 1.8, planned_minutes: -0.8, weekend: -0.6 },
      categoryEffects: { weather: { rain: 0.8, snow: 1.6 }, zone: { centre: 0.7, airport: 0.3 } },
      noise: 0.6,
    },
  },
  'social-network': {
    name: 'Community members',
    description:
      'Members of an online community: followers, posts, replies, account age, verified; did they churn?',
    category: 'social-network',
    columns: [
      { name: 'followers', type: 'integer', min: 0, max: 5000, mean: 300, std: 600 },
      { name: 'following', type: 'integer', min: 0, max: 2000, mean: 250, std: 250 },
      { name: 'posts_30d', type: 'integer', min: 0, max: 200, mean: 12, std: 15 },
      { name: 'replies_received', type: 'integer', min: 0, max: 500, mean: 30, std: 40 },
      { name: 'account_age_days', type: 'integer', min: 1, max: 3650, mean: 700, std: 600 },
      { name: 'verified', type: 'boolean', p: 0.05 },
    ],
    label: {
      name: 'churned',
      classes: ['no', 'yes'],
      bias: 0.2,
      weights: {
        posts_30d: -2.6,
        replies_received: -1.8,
        followers: -1.0,
        account_age_days: -0.6,
        verified: -0.5,
      },
      noise: 0.6,
    },
  },
} as const satisfies Record<string, DataSpec>

export type GeneratorName = keyof typeof GENERATORS
export const GENERATOR_NAMES = Object.keys(GENERATORS) as GeneratorName[]
