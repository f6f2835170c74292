// Structured JSON lines on stdout/stderr: what the Edge Runtime and the local
// gateway collect per function.
export type Fields = Record<string, unknown>;
export interface Logger {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export function createLogger(base: Fields = {}, sink: (line: string, level: string) => void = defaultSink): Logger {
  const write = (level: string) => (msg: string, fields: Fields = {}) =>
    sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields }), level);
  return { info: write("info"), warn: write("warn"), error: write("error") };
}

function defaultSink(line: string, level: string): void {
  if (level === "error") console.error(line);
  else console.log(line);
}

/** Collects lines, for tests. */
export function memoryLogger(): Logger & { lines: Fields[] } {
  const lines: Fields[] = [];
  const logger = createLogger({}, (line) => lines.push(JSON.parse(line)));
  return Object.assign(logger, { lines });
}
