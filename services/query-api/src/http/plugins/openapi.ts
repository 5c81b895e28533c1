import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { unencapsulated } from './unencapsulated.js';

/**
 * The OpenAPI 3.1 description of every route registered after this plugin (@fastify/swagger
 * collects their schemas), served at /openapi.json, and Swagger UI at /docs (its assets are served
 * from the package in node_modules: no CDN, works offline). Both auth header forms are declared;
 * routes that are open say `security: []`.
 */
export const openApiPlugin = unencapsulated<{ auth: boolean }>('tcpx-openapi', async (app, { auth }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tcpx query API',
        version: '0.1.0',
        description:
          'TCP connection health records (Wireshark-grade metrics per connection) from the tcpx store: ' +
          'filter with KFL, page, aggregate RTT percentiles, follow new records live.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          bearer: { type: 'http', scheme: 'bearer', description: 'The same API key, as a bearer token' },
        },
      },
      security: auth ? [{ apiKey: [] }, { bearer: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () =>
    app.swagger(),
  );
});
