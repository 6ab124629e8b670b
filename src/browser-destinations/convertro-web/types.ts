/** What `trackUser` gives live.js: the user id and the user's traits. */
export interface TrackUserArgs {
  id: string
  [trait: string]: unknown
}

/** What `trackEvent` gives live.js: the Convertro event type, the order id and the amount, each when known. */
export interface TrackEventArgs {
  type: string
  id?: string
  amount?: number
}

/** One entry of the `$CVO` queue: a live.js method name and its argument. */
export type ConvertroCommand = ['trackUser', TrackUserArgs] | ['trackEvent', TrackEventArgs]

/**
 * `window.$CVO`: a plain array of commands until live.js loads; live.js then runs what was queued and
 * takes later pushes itself. It is ready once it has a `trackEvent` method.
 */
export interface ConvertroQueue {
  push: (...commands: ConvertroCommand[]) => unknown
  trackEvent?: unknown
}

declare global {
  interface Window {
    $CVO?: ConvertroQueue
  }
}
