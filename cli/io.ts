/** Where a command writes: the process's streams, or a test's buffers. */
export type Io = {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal: the progress bar draws only there. */
  errIsTty: boolean;
  errStream?: NodeJS.WritableStream;
};

export const processIo = (): Io => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTty: process.stderr.isTTY === true,
  errStream: process.stderr,
});
