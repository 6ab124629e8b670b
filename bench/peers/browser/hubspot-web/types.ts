export type Hubspot = {
  push: (event: unknown[]) => void
}
