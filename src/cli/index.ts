import { Command } from 'commander'

/** A command's module: it adds its arguments, options and action to the command named here. */
export interface CommandModule {
  configure(command: Command): void
}

/**
 * The commands, each in its own file under commands/. Only the command that runs is loaded, so `--help` and
 * every command start without the others' dependencies.
 */
const COMMANDS: [name: string, summary: string, load: () => Promise<CommandModule>][] = [
  [
    'generate:types',
    'Write each destination’s generated-types.ts files from its field definitions.',
    () => import('./commands/generate-types')
  ],
  [
    'validate',
    'Check the definitions: presets, subscriptions (FQL), field defaults, settings, descriptions, types.',
    () => import('./commands/validate')
  ],
  [
    'serve',
    'Serve the destination over HTTP: Segment’s Tracking API for your SDKs, a Convertro collector and a web tester.',
    () => import('./commands/serve')
  ],
  [
    'list-required-fields',
    'Print the required settings and the required fields of each action, as JSON.',
    () => import('./commands/list-required-fields')
  ],
  [
    'send',
    'Run one action on one Segment event and print the exact Convertro request(s).',
    () => import('./commands/send')
  ],
  [
    'migrate',
    'Convert the classic Convertro destination’s settings into Actions settings and subscriptions.',
    () => import('./commands/migrate')
  ],
  [
    'export',
    'Write the destinations into a checkout of Segment’s monorepo (segmentio/action-destinations), one pull request per mode, with its description.',
    () => import('./commands/export')
  ],
  [
    'scenarios',
    'Run every action, alone and in a batch, against a Convertro that fails in each common way, and print each event’s fate.',
    () => import('./commands/scenarios')
  ],
  [
    'replay',
    'Send a file of Segment events through the destination’s subscriptions, as the ingest server routes them.',
    () => import('./commands/replay')
  ]
]

/** The CLI for these arguments (without node and the script): every command listed, the one asked for loaded. */
export async function program(args: string[]): Promise<Command> {
  const cli = new Command('convertro-actions')
    .description('Develop and run the Convertro destination locally: the commands of Segment’s actions CLI.')
    .showHelpAfterError()
  // `help <command>` shows that command's options, so it loads it too.
  const asked = args[0] === 'help' ? args[1] : args[0]
  for (const [name, summary, load] of COMMANDS) {
    const command = cli.command(name).description(summary)
    if (name === asked) (await load()).configure(command)
  }
  return cli
}

/** Runs the CLI on this process's arguments. */
export function main(): void {
  // Output piped into a reader that stops early (`| head`) ends the command quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
  const args = process.argv.slice(2)
  program(args)
    .then((cli) => cli.parseAsync(args, { from: 'user' }))
    .catch((error: Error) => {
      console.error(error.message)
      process.exit(1)
    })
}
