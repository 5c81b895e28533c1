import type { FastifyPluginAsync } from 'fastify';

/**
 * Lets a plugin's hooks, handlers and decorators apply to the whole app instead of its own
 * encapsulation context — what fastify-plugin does, through the same documented
 * `Symbol.for('skip-override')` flag (fastify-plugin is not a dependency of this package).
 * Only for plugins whose hooks or decorators must reach every route.
 */
export function unencapsulated<T extends Record<string, unknown>>(
  name: string,
  plugin: FastifyPluginAsync<T>,
): FastifyPluginAsync<T> {
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: name });
  return plugin;
}
