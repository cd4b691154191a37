import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { FunctionSpec } from './template.js';

/**
 * Where the functions' stdout goes: one file per function under the log folder (what CloudWatch Logs
 * would hold), and every line to the listeners (the alarms read EMF metrics from it).
 */
export interface LogSink {
  readonly dir: string;
  write(line: string, fn: FunctionSpec): void;
  /** A line of the drill's own stand-ins (`route53`, `alarms`), to `<name>.log`. */
  note(name: string, line: string): void;
  onLine(listener: (line: string, fn: FunctionSpec) => void): void;
  close(): Promise<void>;
}

/**
 * @example
 * const logs = logSink('/tmp/drill-logs');
 * logs.onLine((line, fn) => alarms.ingest(parseEmf(line)));
 */
export function logSink(dir: string): LogSink {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, WriteStream>();
  const listeners: ((line: string, fn: FunctionSpec) => void)[] = [];
  const append = (name: string, line: string) => {
    let file = files.get(name);
    if (file === undefined) {
      file = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
      files.set(name, file);
    }
    file.write(`${line}\n`);
  };
  return {
    dir,
    write(line, fn) {
      append(fn.path.replaceAll('/', '_'), line);
      for (const listener of listeners) listener(line, fn);
    },
    note(name, line) {
      append(name, `${new Date().toISOString()} ${line}`);
    },
    onLine(listener) {
      listeners.push(listener);
    },
    close: async () => {
      await Promise.all([...files.values()].map((f) => new Promise((resolve) => f.end(resolve))));
    },
  };
}
