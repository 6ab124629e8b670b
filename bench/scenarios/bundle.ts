import path from 'node:path'
import vm from 'node:vm'
import zlib from 'node:zlib'
import { build } from 'esbuild'
import type { Plugin } from 'esbuild'
import { figure, fmt } from '../lib/stats'
import type { Row } from '../lib/stats'

/** size-limit's check in Segment's monorepo (packages/browser-destinations/package.json): "315 kB", 1 kB = 1000 B. */
const SIZE_LIMIT = 315_000
/** Ours may be up to this much larger than the larger of the two peers (brotli). */
const PEER_FACTOR = 1.1
const ROOT = path.join(__dirname, '..', '..')
const PEERS = path.join(ROOT, 'bench/peers/browser')
/** The monorepo's webpack aliases liquidjs (actions-core imports it) to this stub: packages/browser-destinations/liquid.stub.js. */
const LIQUID_STUB = path.join(PEERS, 'liquid.stub.js')

/** The entries the monorepo would build (destinations/<name>/src/index.ts): ours, and two tag loaders like it. */
const ENTRIES = {
  'convertro-web': path.join(ROOT, 'src/browser-destinations/convertro-web/index.ts'),
  'hubspot-web': path.join(PEERS, 'hubspot-web/index.ts'),
  koala: path.join(PEERS, 'koala/index.ts')
}
type Name = keyof typeof ENTRIES

/** The vendored peers use the product's actions-core and runtime, never a copy installed under bench/peers. */
const projectPackages: Plugin = {
  name: 'project-packages',
  setup(bundler) {
    bundler.onResolve({ filter: /^@segment\/(actions-core|browser-destination-runtime)(\/|$)/ }, (args) =>
      args.importer.startsWith(PEERS) ? bundler.resolve(args.path, { kind: args.kind, resolveDir: ROOT }) : undefined
    )
  }
}

/** Bytes as size-limit 11 (brotli, quality 11) and compression-webpack-plugin 7 (gzip, level 9) measure them. */
const brotli = (file: Buffer) =>
  zlib.brotliCompressSync(file, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length
const gzip = (file: Buffer) => zlib.gzipSync(file, { level: 9 }).length
const kB = (bytes: number) => bytes / 1000

interface Bundle {
  file: Buffer
  /** Bytes of the minified file that are the destination's own code, not from node_modules. */
  own: number
  minified: number
  gzip: number
  brotli: number
}

/**
 * One destination as the monorepo ships it: its entry and all it imports in one minified file that puts the
 * entry's default export on `window['<name>Destination']`.
 */
async function buildBundle(name: Name): Promise<Bundle> {
  const result = await build({
    stdin: {
      contents: `import destination from ${JSON.stringify(ENTRIES[name])}\nwindow[${JSON.stringify(
        `${name}Destination`
      )}] = destination`,
      resolveDir: ROOT,
      loader: 'ts'
    },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    legalComments: 'none',
    alias: { liquidjs: LIQUID_STUB },
    plugins: [projectPackages],
    metafile: true,
    write: false,
    logLevel: 'warning'
  })
  const file = Buffer.from(result.outputFiles[0].contents)
  // The file must load: run it against a bare window and find the destination's plugin factory on it.
  const window: Record<string, unknown> = {}
  window.window = window.self = window
  vm.runInNewContext(file.toString('utf8'), window)
  if (typeof window[`${name}Destination`] !== 'function') throw new Error(`${name}: the bundle sets no destination`)
  const own = Object.entries(Object.values(result.metafile.outputs)[0].inputs)
    .filter(([input]) => !/node_modules\/|^<stdin>$|liquid\.stub\.js$/.test(input))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0)
  return { file, own, minified: file.length, gzip: gzip(file), brotli: brotli(file) }
}

/** Our browser bundle against two upstream ones built the same way: minified, gzip and brotli. */
export async function bundle(): Promise<Row[]> {
  const names = Object.keys(ENTRIES) as Name[]
  const sizes = {} as Record<Name, Bundle>
  for (const name of names) sizes[name] = await buildBundle(name)
  const ours = sizes['convertro-web']
  const [first, second] = names.filter((name) => name !== 'convertro-web')
  const larger = sizes[second].brotli > sizes[first].brotli ? second : first
  const ratio = (peer: Name, key: 'minified' | 'gzip' | 'brotli') => ours[key] / sizes[peer][key]
  // size-limit bundles every file under dist/web into one and measures that file: what one more bundle adds to it.
  const together = (...bundles: Name[]) => brotli(Buffer.concat(bundles.map((name) => sizes[name].file)))
  const peers = together(first, second)
  const added = together(first, second, 'convertro-web') - peers
  const secondAdded = peers - sizes[first].brotli

  return [
    ...names.map((name) =>
      figure(
        'bundle',
        `${name}, brotli`,
        [kB(sizes[name].brotli)],
        'kB',
        `${sizes[name].minified} B minified, ${sizes[name].gzip} B gzip, ${sizes[name].brotli} B brotli; own code ${fmt(
          kB(sizes[name].own)
        )} kB of the minified`,
        name === 'convertro-web' ? { label: '≤ 315 kB', met: (value) => value * 1000 <= SIZE_LIMIT } : undefined
      )
    ),
    figure(
      'bundle',
      `convertro-web / ${larger} (larger peer), brotli`,
      [ratio(larger, 'brotli')],
      '×',
      [first, second]
        .map(
          (peer) =>
            `vs ${peer}: ${fmt(ratio(peer, 'minified'))}× minified, ${fmt(ratio(peer, 'gzip'))}× gzip, ${fmt(
              ratio(peer, 'brotli')
            )}× brotli`
        )
        .join('; '),
      { label: `≤ ${PEER_FACTOR}×`, met: (value) => value <= PEER_FACTOR }
    ),
    figure(
      'bundle',
      'convertro-web added to the peers in one file, brotli',
      [kB(added)],
      'kB',
      `${fmt(kB(peers))} → ${fmt(kB(peers + added))} kB; ${second} added to ${first} alone: ${fmt(kB(secondAdded))} kB`
    )
  ]
}
