/**
 * The command line read (src/cli/main.ts parseArgs, argumentProblem) without starting anything:
 * options with their values in either form, `-` as a file, and which option belongs to which
 * command. The command's own runs of these are in test/cli.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argumentProblem, parseArgs } from '../src/cli/main.js';

const test = suite('the command line');

test('options take their value after a space or an =; a missing or wrong one is an error; - is a file (standard input), not an option', () => {
  const a = parseArgs(['replay', '-', '--config=c.yaml', '--log-format', 'json', '-q']);
  assert.equal([a.command, a.positional, a.config, a.logFormat, a.quiet, a.errors], ['replay', ['-'], 'c.yaml', 'json', true, []]);
  assert.equal(parseArgs(['run', '--log-format=json', 'c.yaml']).positional, ['c.yaml'], 'the value after = is not taken from the next argument');
  assert.equal(parseArgs(['run', '--log-format', 'yaml']).errors, ['--log-format: expected text or json, found yaml']);
  assert.equal(parseArgs(['run', '--log-format']).errors, ['--log-format: expected text or json, found nothing']);
  assert.equal(parseArgs(['run', '--config']).errors, ['--config: expected a file name']);
  assert.equal(parseArgs(['run', '--config=']).errors, ['--config: expected a file name']);
  assert.equal(parseArgs(['run', '--verbose']).errors, ['unknown option --verbose (see --help)']);
  // The short forms --help shows.
  assert.equal([parseArgs(['-h']).help, parseArgs(['-V']).version, parseArgs(['-q']).quiet, parseArgs(['-h', '-V']).errors], [true, true, true, []]);
});

test('without a command, no option is out of place (the usage is shown instead); with one, each option belongs to its command', () => {
  for (const flags of [{ json: true }, { failOnDeadLetters: true }, { config: 'c.yaml' }]) assert.is(argumentProblem({ positional: [], ...flags }), undefined, JSON.stringify(flags));
  assert.is(argumentProblem({ command: 'inspect', positional: ['x.db'], json: true }), undefined);
  assert.is(argumentProblem({ command: 'run', positional: [], failOnDeadLetters: true }), undefined);
  assert.is(argumentProblem({ command: 'validate', positional: [], json: true }), "validate: --json is inspect's (for log lines as JSON: --log-format json)");
  assert.is(argumentProblem({ command: 'inspect', positional: ['x.db'], failOnDeadLetters: true }), "inspect: --fail-on-dead-letters is run's");
  assert.is(argumentProblem({ command: 'run', positional: ['a.yaml'] }), undefined);
  assert.is(argumentProblem({ command: 'validate', positional: ['a.yaml', 'b.yaml'] }), 'validate: one config file, found 2 (a.yaml, b.yaml): validate each on its own');
  assert.is(argumentProblem({ command: 'validate', positional: ['a.yaml'], config: 'b.yaml' }), 'validate: two config files, a.yaml and --config b.yaml: give one');
  assert.is(argumentProblem({ command: 'replay', positional: ['x.ndjson', 'y.ndjson'] }), 'replay: one dead-letter file, found 2 (x.ndjson, y.ndjson): to replay several, oldest first, cat x.ndjson y.ndjson | chronoq replay -');
  assert.is(argumentProblem({ command: 'inspect', positional: ['x.db'] }), undefined);
  assert.is(argumentProblem({ command: 'inspect', positional: ['x.db', 'y.db'] }), 'inspect: one file, found 2 (x.db, y.db): inspect each on its own');
});

test.run();
