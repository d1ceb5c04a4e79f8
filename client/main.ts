/** Mounts the app. `/coordinator` is the live coordinator page; every other path is a training tab. */
import './zod-jitless'
import './components/px-app'
import { stageTimes } from '../shared/metrics/stage-times'

// Durations of this tab's stages (training, evaluation, signing) for `npm run bench`; no data and no ids.
;(globalThis as { privxStageTimes?: typeof stageTimes }).privxStageTimes = stageTimes
