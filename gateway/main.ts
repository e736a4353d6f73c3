/** `caldera gateway`: reads configuration from the environment and serves the API. */
import Fastify from 'fastify';

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('Usage: caldera gateway\n\nEnvironment:\n  PORT       listen port (default 8080)\n  HOST       listen address (default 127.0.0.1)\n');
    return 0;
  }
  const app = Fastify({ logger: true });
  app.get('/healthz', async () => 'ok');
  const port = Number(process.env.PORT ?? 8080);
  await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
  await new Promise<void>((resolve) => {
    const stop = () => { void app.close().then(() => resolve()); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
