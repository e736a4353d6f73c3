/** The logger components use when none is given: pino at level silent. */
import { pino, type Logger } from 'pino';

export const silentLogger: Logger = pino({ level: 'silent' });
