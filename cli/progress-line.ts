/**
 * A one-line progress indicator for waits longer than a second: rewritten in place on a terminal,
 * printed once per change otherwise (so logs stay readable).
 */
export class ProgressLine {
  private last = '';
  private shown = false;
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    if (Date.now() - this.started < 1000 || text === this.last) { this.last = text; return; }
    this.last = text;
    const secs = Math.round((Date.now() - this.started) / 1000);
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${text} (${secs}s)`);
      this.shown = true;
    } else {
      this.stream.write(`${text} (${secs}s)\n`);
    }
  }

  done(): void {
    if (this.shown && this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
