import type { FlowFeed } from './context.js';

/**
 * The feed as routes see it: each subscription moves the subscriber gauge up, its unsubscribe
 * (called once, however often) moves it down — so SSE routes are counted without doing anything.
 */
export function countedFeed(feed: FlowFeed, gauge: { inc(): void; dec(): void }): FlowFeed {
  return {
    subscribe(onRows) {
      const unsubscribe = feed.subscribe(onRows);
      gauge.inc();
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        gauge.dec();
        unsubscribe();
      };
    },
  };
}
