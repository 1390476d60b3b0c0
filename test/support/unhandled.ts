/**
 * Collects what RxJS reports as unhandled (config.onUnhandledError) during each test of a suite:
 * errors thrown by hooks, and anything an operator let escape. Restores the default after each.
 */
import { config } from 'rxjs';
import type { Test } from 'uvu';

export const captureUnhandled = (test: Test): { readonly errors: unknown[] } => {
  const captured = { errors: [] as unknown[] };
  test.before.each(() => {
    captured.errors = [];
    config.onUnhandledError = (e) => captured.errors.push(e);
  });
  test.after.each(() => {
    config.onUnhandledError = null;
  });
  return captured;
};
