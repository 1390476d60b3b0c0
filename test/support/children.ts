/**
 * Child processes the tests start, killed when the test process exits. A test that fails — an
 * assertion or a timeout thrown before it stops its child — no longer leaves the child running: a
 * CI run left a `chronoq run` following a file for an hour after its test had failed.
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Registers `child` to be killed if it is still running when the test process exits; returns it. */
export const killedOnExit = <C extends ChildProcess>(child: C): C => {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
};
