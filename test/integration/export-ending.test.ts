/**
 * Keys in the shell do not renew themselves: when the session handed out ends soon, the summary
 * line says what to run then. The built CLI against the emulator, whose clock is set back so that
 * what it issues ends within minutes by this machine's clock.
 */
import { PRODUCTION_PROJECT } from '../support/fixture';
import { useWorld } from '../support/world';

const w = useWorld('ending', { projects: { production: PRODUCTION_PROJECT } });

test('a session of an hour: the time left, nothing more', async () => {
  const r = await w.exportIn(w.dirs.production, { AWSDIR_MFA_CODE: await w.emu.totp() });
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toMatch(/ · (59m|1h) left · endpoint /);
  expect(r.stderr).not.toContain('then');
});

test('a session that ends within 15 minutes: the summary line names `direnv reload` under direnv, `awsdir export` by hand', async () => {
  await w.run(['clear', '--dir', w.dirs.production]);
  // Issued 50 minutes "ago": the new role session ends in about 10 minutes, more than the 5-minute refresh window.
  await w.emu.advanceClock(-50 * 60);
  try {
    const direnv = await w.run(['export', '--direnv'], { cwd: w.dirs.production });
    expect(direnv.exitCode).toBe(0);
    expect(direnv.stderr).toMatch(
      /^awsdir: production · admin @ 222222222222 \(acme-production\) · ap-northeast-1 · (9|10)m left, then direnv reload · endpoint /,
    );
    const byHand = await w.exportIn(w.dirs.production);
    expect(byHand.stderr).toMatch(/ · (9|10)m left, then awsdir export again · endpoint /);
    // The AWS tools renew what credential-process hands them: no such advice there.
    const profile = await w.run(['export', '--credential-process', '--shell', 'json'], { cwd: w.dirs.production });
    expect(profile.exitCode).toBe(0);
    expect(profile.stderr).not.toContain('then');
  } finally {
    await w.emu.advanceClock(50 * 60);
  }
});
