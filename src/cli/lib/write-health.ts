import { inWords } from './files'

/**
 * Whether writes to one file work, said once per change: a full disk fails every write until space returns,
 * and one line saying so (and one when it is over) reads better than a stack trace per event.
 */
export class WriteHealth {
  private failing?: string

  constructor(
    /** The file, as the lines name it. */
    private readonly file: string,
    /** What follows while it fails, for the line that says so. */
    private readonly meanwhile: string,
    private readonly log: (line: string) => void
  ) {}

  get failure(): string | undefined {
    return this.failing
  }

  failed(error: unknown): void {
    const words = inWords(error)
    if (this.failing === words) return
    this.failing = words
    this.log(`Cannot write ${this.file}: ${words}; ${this.meanwhile}`)
  }

  worked(): void {
    if (this.failing === undefined) return
    this.failing = undefined
    this.log(`Writing ${this.file} works again`)
  }
}
