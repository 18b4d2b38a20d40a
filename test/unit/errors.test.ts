import { AwsdirError, CancelledError, isAwsdirError } from '../../src/core/errors';

test('an AwsdirError from another copy of the module (another chunk of dist/) is still one, with its kind', () => {
  // Each bundle of dist/ holds its own copy of src/core/errors.ts; jest's isolated registry gives a second one.
  let other: typeof import('../../src/core/errors') | undefined;
  jest.isolateModules(() => {
    other = require('../../src/core/errors') as typeof import('../../src/core/errors');
  });
  const foreign = new other!.CancelledError('stopped');
  expect(foreign instanceof AwsdirError).toBe(false);
  expect(isAwsdirError(foreign)).toBe(true);
  expect(isAwsdirError(foreign) && foreign.kind).toBe('cancelled');
  expect(other!.isAwsdirError(new CancelledError())).toBe(true);
  expect(isAwsdirError(new Error('plain'))).toBe(false);
  expect(isAwsdirError(Object.assign(new Error('look-alike'), { name: 'AwsdirError', kind: 'failure' }))).toBe(false);
});
