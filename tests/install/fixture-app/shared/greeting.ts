// The app's own shared code, imported by its functions.
export function greeting(name: string): string {
  return `Hello, ${name}!`;
}
