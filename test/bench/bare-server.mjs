// The ceiling for the web chat benchmark: fastify with one JSON route and nothing else, in its own
// process like the real server. Prints its port on stdout.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
let n = 0;
app.post('/turn', async (request) => ({ id: `bare|${++n}`, echo: request.body?.text ?? '' }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${new URL(address).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
