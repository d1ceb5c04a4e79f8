/** Mounts the app. `/coordinator` is the live coordinator page; every other path is a training tab. */
import './zod-jitless'
import './components/px-app'
