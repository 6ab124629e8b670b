/** The classic analytics.js integrations compared event names with it; it ships no types of its own. */
declare module 'to-no-case' {
  export default function toNoCase(value: string): string
}
