import { build } from 'esbuild'
import type { Plugin as BuildPlugin } from 'esbuild'

/**
 * A stand-in for Convertro's live.js, which is not fetched from Convertro's CDN anywhere in the project: like the
 * real tag, it takes over window.$CVO, runs what was queued before it loaded, then runs each push. It records
 * every command it runs, with a copy of its argument, in `window.convertroReceived`.
 */
export const LIVE_JS = `
(function () {
  var queued = window.$CVO || []
  var received = (window.convertroReceived = [])
  var tracker = {
    trackUser: function (args) { received.push(['trackUser', Object.assign({}, args)]) },
    trackEvent: function (args) { received.push(['trackEvent', Object.assign({}, args)]) },
    push: function () {
      for (var i = 0; i < arguments.length; i++) {
        var command = arguments[i]
        if (typeof tracker[command[0]] === 'function' && command[0] !== 'push') tracker[command[0]](command[1])
        else received.push(['unknown command', command])
      }
    }
  }
  window.$CVO = tracker
  for (var i = 0; i < queued.length; i++) tracker.push(queued[i])
})()
`

/**
 * actions-core's index also exports its cloud Action class, which extends Node's EventEmitter. The browser
 * never builds one, but the class must still be declarable: Segment's webpack build polyfills `events`.
 */
const nodeEvents: BuildPlugin = {
  name: 'node-events',
  setup(bundler) {
    bundler.onResolve({ filter: /^events$/ }, () => ({ path: 'events', namespace: 'node-events' }))
    bundler.onLoad({ filter: /.*/, namespace: 'node-events' }, () => ({ contents: 'export class EventEmitter {}' }))
  }
}

/**
 * A page script that runs the browser destination: `entry` (a file, or a page's own script and the folder its
 * imports resolve from) and all it imports, analytics-next included, in one file. `plugins` resolve what the
 * script imports by another name.
 */
export async function bundleForBrowser(
  entry: string | { contents: string; resolveDir: string },
  plugins: BuildPlugin[] = []
): Promise<string> {
  const result = await build({
    ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: { ...entry, loader: 'js' as const } }),
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    logLevel: 'silent',
    plugins: [...plugins, nodeEvents]
  })
  return result.outputFiles[0].text
}
